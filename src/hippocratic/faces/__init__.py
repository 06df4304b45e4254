"""How people reach Hippocratic: the web app, the command line and background jobs."""
