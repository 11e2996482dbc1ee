"""Scripts that crash tests run in real child processes and kill with SIGKILL."""
