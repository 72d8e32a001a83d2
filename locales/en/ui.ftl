# English: the desktop windows (ui/src).
