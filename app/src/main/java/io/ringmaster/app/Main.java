package io.ringmaster.app;

import io.ringmaster.topology.input.InputError;
import java.io.PrintWriter;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Entry point of the {@code ringmaster} launcher. Each subcommand is its own class; adding one is
 * adding it to {@code subcommands} below. Bad input, whether picocli finds it (unknown option,
 * missing value) or a command does ({@link InputError}), is one line on stderr and exit code 2.
 */
@Command(
    name = "ringmaster",
    mixinStandardHelpOptions = true,
    version = "ringmaster 0.1.0-SNAPSHOT",
    description = "Plans, simulates and runs long-context training with ring attention on GPU clusters.",
    subcommands = {
      PlanCommand.class,
      SimulateCommand.class,
      WhatifCommand.class,
      WorkerCommand.class,
      RunCommand.class,
      DoctorCommand.class,
    })
public final class Main implements Runnable {
  /** Exit code for bad user input. */
  public static final int BAD_INPUT = 2;

  @Spec private CommandSpec spec;

  /** No subcommand: print the usage. */
  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static {
    // logging starts before any actor system logs from several threads at once (SLF4J would warn)
    LoggerFactory.getILoggerFactory();
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, for {@link #main} and for tests that capture its output. */
  public static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new Main());
    commandLine.setParameterExceptionHandler((exception, args) -> {
      badInput(exception.getCommandLine().getErr(), exception.getMessage());
      return BAD_INPUT;
    });
    commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
      if (exception instanceof InputError) {
        badInput(line.getErr(), exception.getMessage());
        return BAD_INPUT;
      }
      throw exception;
    });
    return commandLine;
  }

  private static void badInput(PrintWriter err, String message) {
    String firstLine = message == null ? "bad input" : message.lines().findFirst().orElse("bad input");
    err.println("ringmaster: " + firstLine);
    err.flush();
  }
}
