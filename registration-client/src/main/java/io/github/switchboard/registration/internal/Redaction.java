package io.github.switchboard.registration.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Removes credentials from text before it is shown. */
public final class Redaction {
  private static final Pattern USER_INFO =
      Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)([^/@\\s]+)@");

  private Redaction() {}

  /**
   * Replaces the user-info part of every {@code scheme://user:password@host} URL in a text: the user is
   * kept, the password becomes {@code ***} (a lone user-info, which Redis reads as a password, becomes
   * {@code ***}).
   *
   * @param text any text
   * @return the text without URL passwords
   */
  public static String urls(String text) {
    return USER_INFO.matcher(text).replaceAll(m -> {
      String info = m.group(2);
      int colon = info.indexOf(':');
      String shown = colon < 0 ? "***" : info.substring(0, colon) + ":***";
      return Matcher.quoteReplacement(m.group(1) + shown + "@");
    });
  }
}
