ATTACH $path AS published (READ_ONLY);
