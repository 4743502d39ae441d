package io.github.switchboard.registration.internal;

import java.net.ConnectException;
import java.nio.channels.UnresolvedAddressException;

/** Short descriptions of network failures, for messages. */
public final class Failures {
  private Failures() {}

  /**
   * Describes why a connection or request failed: {@code unknown host}, {@code connection refused}, or the
   * exception's class and message. Never contains credentials of a URL (they are removed).
   *
   * @param e the failure
   * @return a short description
   */
  public static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException) {
        return "unknown host";
      }
    }
    if (e instanceof ConnectException && e.getMessage() == null) {
      return "connection refused";
    }
    Throwable t = e;
    while (t.getMessage() == null && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return Redaction.urls(m == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m);
  }
}
