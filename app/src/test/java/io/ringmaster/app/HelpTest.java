package io.ringmaster.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Help that picocli can wrap: every description line a whole paragraph, or an example that fits as it is. */
class HelpTest {
  /** picocli's default usage width. */
  private static final int COLUMNS = 80;

  @Test
  void everyDescriptionLineIsWholeSentencesOrAnExampleThatFits() {
    for (CommandLine command : Main.commandLine().getSubcommands().values()) {
      String name = command.getCommandName();
      for (String line : command.getCommandSpec().usageMessage().description()) {
        if (line.startsWith("  ringmaster ")) {
          assertThat(line.length()).as(name + ": " + line).isLessThanOrEqualTo(COLUMNS);
          assertThat(line).as(name).startsWith("  ringmaster " + name + " ");
        } else {
          // a sentence cut in two ends in a comma or a word, and the command list shows only its first half
          assertThat(line).as(name).matches("(?s).*[.?:]");
        }
      }
    }
  }

  @Test
  void everyCommandsHelpFitsTheColumnsAndListsItsOptionsUnderAHeading() {
    for (String name : Main.commandLine().getSubcommands().keySet()) {
      PlanCommandTest.Run run = PlanCommandTest.run(name, "--help");
      assertThat(run.exitCode()).isZero();
      assertThat(run.out().lines()).as(name).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(COLUMNS));
      assertThat(run.out()).as(name).contains("\n\nOptions:\n");
    }
  }
}
