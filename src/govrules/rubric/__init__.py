"""The rubric format: what a pack file may say, how it is read, checked and tailored."""
