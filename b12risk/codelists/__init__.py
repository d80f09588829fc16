"""The codelists stage: reviewed codelists loaded into the warehouse after their manifest
check (`load`), and their reproducible build from the clinical reference (`build`)."""
