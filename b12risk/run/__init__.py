"""The run: the stages as plain functions over the run's private warehouse file (`stages`),
its atomic publication (`warehouse`), stage progress events (`progress`) and the rule index
(`catalogue`). The Prefect flow in flows/ composes these."""
