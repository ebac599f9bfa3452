package io.ringmaster.topology.input;

/**
 * Bad user input: one line naming where (file and position, or the command line), the field, and
 * what was expected. Carries no stack trace because it is a message for the user, not a bug.
 */
public final class InputError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InputError(Origin origin, String field, String message) {
    super(origin.describe() + (field.isEmpty() ? "" : ": " + field) + ": " + message, null, false, false);
  }

  /** An error about a value: its origin and path name the place. */
  public static InputError at(YamlValue value, String message) {
    return new InputError(value.origin(), value.path(), message);
  }
}
