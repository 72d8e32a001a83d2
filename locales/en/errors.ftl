# English: the error text Codex shows the user (src/upstream/failure.rs, src/server).
