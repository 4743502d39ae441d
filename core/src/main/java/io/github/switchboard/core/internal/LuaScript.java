package io.github.switchboard.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A Lua script with its SHA-1 digest, as EVALSHA needs it. Scripts live as resources next to the class
 * that uses them, so that all of one module's scripts are kept in one place.
 *
 * @param name a short name for logs
 * @param source the Lua source
 * @param sha1 the lower-case hex SHA-1 of the source
 */
public record LuaScript(String name, String source, String sha1) {

  /**
   * Checks the fields.
   *
   * @throws NullPointerException if a field is null
   */
  public LuaScript {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(sha1, "sha1");
  }

  /**
   * Makes a script from its source.
   *
   * @param name a short name for logs
   * @param source the Lua source
   * @return the script
   */
  public static LuaScript of(String name, String source) {
    return new LuaScript(name, source, sha1Hex(source));
  }

  /**
   * Loads a script from a class-path resource.
   *
   * @param anchor the class next to which the resource lies
   * @param resource the resource name, relative to the anchor's package
   * @return the script
   * @throws UncheckedIOException if the resource is missing or unreadable
   */
  public static LuaScript fromResource(Class<?> anchor, String resource) {
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        throw new UncheckedIOException(
            new IOException("Lua script resource not found: " + resource + " next to " + anchor.getName()));
      }
      return of(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Loads a script made of several class-path resources, joined in order (for example a prelude shared by
   * several scripts, then the script's own body).
   *
   * @param anchor the class next to which the resources lie
   * @param name the script's name, for logs
   * @param resources the resource names, relative to the anchor's package
   * @return the script
   * @throws UncheckedIOException if a resource is missing or unreadable
   */
  public static LuaScript fromResources(Class<?> anchor, String name, String... resources) {
    StringBuilder source = new StringBuilder();
    for (String resource : resources) {
      source.append(fromResource(anchor, resource).source());
      if (source.length() > 0 && source.charAt(source.length() - 1) != '\n') {
        source.append('\n');
      }
    }
    return of(name, source.toString());
  }

  private static String sha1Hex(String source) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(md.digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is not available", e);
    }
  }

  @Override
  public String toString() {
    return "LuaScript[" + name + ", sha1=" + sha1 + "]";
  }
}
