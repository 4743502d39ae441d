package io.github.switchboard.examples.coordinator;

import java.util.Objects;

/**
 * A setting of the coordinator that cannot be used. The message starts with the name of the environment
 * variable that holds the setting (for example {@code PORT must be a whole number from 0 to 65535, was
 * 'abc'}) and never quotes a secret.
 */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The environment variable whose value is wrong. */
  private final String variable;

  /**
   * Creates the exception.
   *
   * @param variable the name of the environment variable at fault
   * @param message the message; it should start with the variable's name
   */
  public ConfigException(String variable, String message) {
    super(message);
    this.variable = Objects.requireNonNull(variable, "variable");
  }

  /**
   * Creates the exception with a cause.
   *
   * @param variable the name of the environment variable at fault
   * @param message the message; it should start with the variable's name
   * @param cause the underlying error
   */
  public ConfigException(String variable, String message, Throwable cause) {
    super(message, cause);
    this.variable = Objects.requireNonNull(variable, "variable");
  }

  /**
   * Returns the name of the environment variable whose value is wrong.
   *
   * @return the variable's name, for example {@code PORT}
   */
  public String variable() {
    return variable;
  }
}
