"""Reading text: words and stems, sentences and their scores, acronyms, figures (numbers,
quantities) and places."""
