package dev.thinktune.cli;

import picocli.CommandLine;

/**
 * Turns an exception from a command into one clear line on standard error and exit code 1; the stack trace
 * only with {@code THINKTUNE_DEBUG=1}.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        cmd.getErr().println("thinktune " + cmd.getCommandName() + ": error: " + msg);
        if ("1".equals(System.getenv("THINKTUNE_DEBUG"))) {
            ex.printStackTrace(cmd.getErr());
        }
        return 1;
    }
}
