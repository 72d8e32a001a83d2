# English: the command line: banner, help-adjacent text, errors (src/cli).
