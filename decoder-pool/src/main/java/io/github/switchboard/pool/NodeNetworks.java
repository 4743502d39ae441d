package io.github.switchboard.pool;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The networks decoder nodes may live in: a list of CIDR blocks, IPv4 ({@code 10.0.0.0/8}) and IPv6
 * ({@code fd00::/8}), or {@link #ANY}. A node URI is {@linkplain #permits(URI) permitted} when every address
 * its host resolves to lies in one of the blocks, so a health check or a decode never reaches an address
 * outside them (a coordinator's own network, its Redis). Immutable and thread-safe.
 *
 * <p>Parse one with {@link #parse(String)}: blocks separated by commas, spaces around them ignored; an
 * address without a prefix length is a block of one address ({@code /32}, {@code /128}); a block whose
 * address has bits set past its prefix ({@code 10.0.0.1/8}) is refused rather than widened in silence.
 * An IPv4-mapped IPv6 address ({@code ::ffff:10.0.0.1}) is the IPv4 address it maps.
 */
public final class NodeNetworks {

  /** No restriction: every address is permitted. */
  public static final NodeNetworks ANY = new NodeNetworks(List.of(), "any");

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  private static final class Block { // a class, not a record: a record's equals would compare the array by identity
    final byte[] network;
    final int prefix;

    Block(byte[] network, int prefix) {
      this.network = network;
      this.prefix = prefix;
    }

    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xFF << (8 - rest)) & 0xFF;
      return (address[full] & mask) == (network[full] & mask);
    }
  }

  private final List<Block> blocks;
  private final String text;

  private NodeNetworks(List<Block> blocks, String text) {
    this.blocks = blocks;
    this.text = text;
  }

  /**
   * Parses a list of CIDR blocks such as {@code "10.0.0.0/8, 192.168.1.0/24, fd00::/8"}.
   *
   * @param cidrs the blocks, separated by commas; blank means {@link #ANY}
   * @return the networks
   * @throws IllegalArgumentException naming the block and the rule it breaks
   */
  public static NodeNetworks parse(String cidrs) {
    Objects.requireNonNull(cidrs, "cidrs");
    if (cidrs.isBlank()) {
      return ANY;
    }
    List<Block> blocks = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (String part : cidrs.split(",", -1)) {
      String cidr = part.strip();
      if (cidr.isEmpty()) {
        throw new IllegalArgumentException("networks must be CIDR blocks separated by commas (such as"
            + " 10.0.0.0/8,fd00::/8), found an empty one in '" + Validation.abbreviate(cidrs) + "'");
      }
      blocks.add(block(cidr));
      texts.add(cidr);
    }
    return new NodeNetworks(List.copyOf(blocks), String.join(",", texts));
  }

  private static Block block(String cidr) {
    int slash = cidr.indexOf('/');
    String addr = slash < 0 ? cidr : cidr.substring(0, slash);
    byte[] bytes = literal(addr);
    if (bytes == null) {
      throw new IllegalArgumentException("network '" + Validation.abbreviate(cidr) + "' must be an IPv4 or"
          + " IPv6 address with an optional prefix length, such as 10.0.0.0/8 or fd00::/8");
    }
    int max = bytes.length * 8;
    int prefix = max;
    if (slash >= 0) {
      String len = cidr.substring(slash + 1);
      try {
        prefix = len.length() > 3 ? -1 : Integer.parseInt(len);
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > max) {
        throw new IllegalArgumentException("network '" + Validation.abbreviate(cidr)
            + "': the prefix length must be a whole number from 0 to " + max);
      }
    }
    Block b = new Block(bytes, prefix);
    byte[] masked = bytes.clone();
    for (int bit = prefix; bit < max; bit++) {
      masked[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    if (!java.util.Arrays.equals(masked, bytes)) {
      throw new IllegalArgumentException("network '" + Validation.abbreviate(cidr) + "' has address bits set"
          + " past its prefix length; write the network's first address, such as "
          + addressText(masked) + "/" + prefix);
    }
    return b;
  }

  /** The bytes of an IP literal, never a DNS lookup; null if the text is not one. */
  private static byte @Nullable [] literal(String text) {
    boolean v4 = IPV4.matcher(text).matches();
    if (!v4 && !IPV6.matcher(text).matches()) {
      return null;
    }
    if (v4) {
      for (String octet : text.split("\\.", -1)) {
        if (Integer.parseInt(octet) > 255) {
          return null;
        }
      }
    }
    try {
      return InetAddress.getByName(text).getAddress(); // a literal: parsed, not resolved
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static String addressText(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes).getHostAddress();
    } catch (UnknownHostException e) {
      return "?";
    }
  }

  /**
   * Returns whether these are {@link #ANY}: no restriction.
   *
   * @return true if every address is permitted
   */
  public boolean isAny() {
    return blocks.isEmpty();
  }

  /**
   * Returns whether an address lies in one of the blocks (always true for {@link #ANY}).
   *
   * @param address the address
   * @return true if permitted
   */
  public boolean contains(InetAddress address) {
    if (blocks.isEmpty()) {
      return true;
    }
    byte[] bytes = address.getAddress();
    for (Block b : blocks) {
      if (b.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Checks a node URI: resolves its host (a DNS lookup unless it is an IP literal; none for {@link #ANY})
   * and requires every address to lie in one of the blocks.
   *
   * @param uri the node's endpoint or health URL
   * @param field the name of the field, for the message
   * @return null if permitted, else why not (naming the field, the host and the networks, never
   *     credentials)
   */
  public @Nullable String refusal(URI uri, String field) {
    if (blocks.isEmpty()) {
      return null;
    }
    String host = uri.getHost();
    if (host == null) {
      return field + " has no host";
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      return field + " host '" + Validation.abbreviate(host) + "' does not resolve, so it cannot be checked"
          + " against the node networks " + text;
    }
    for (InetAddress a : addresses) {
      if (!contains(a)) {
        return field + " host '" + Validation.abbreviate(host) + "' resolves to " + a.getHostAddress()
            + ", outside the node networks " + text;
      }
    }
    return null;
  }

  /**
   * Returns whether a node URI is permitted: {@link #refusal(URI, String)} is null.
   *
   * @param uri the URI
   * @return true if every address of its host lies in the networks
   */
  public boolean permits(URI uri) {
    return refusal(uri, "uri") == null;
  }

  /** Returns the blocks as parsed, separated by commas, or {@code any}. */
  @Override
  public String toString() {
    return text;
  }
}
