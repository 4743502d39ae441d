package io.github.switchboard.micrometer.internal;

import java.util.Objects;

/** The argument checks shared by the {@code *Metrics} factories. */
public final class Names {
  private Names() {}

  /**
   * Checks the value of a {@code name} tag.
   *
   * @param name the name
   * @return the name
   * @throws NullPointerException if it is null
   * @throws IllegalArgumentException if it is empty or blank
   */
  public static String check(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be empty or blank, was '" + name + "'");
    }
    return name;
  }
}
