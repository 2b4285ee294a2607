"""Reading text: sentences and their scores, figures (numbers, quantities) and places."""
