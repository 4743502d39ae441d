package io.github.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeNetworksTest {

  private static InetAddress ip(String literal) throws UnknownHostException {
    return InetAddress.getByName(literal);
  }

  @Test
  void blocksOfBothFamilies() throws Exception {
    NodeNetworks n = NodeNetworks.parse(" 10.0.0.0/8, 192.168.1.0/24 ,fd00::/8, 127.0.0.1, 172.16.0.0/12");
    assertThat(n.isAny()).isFalse();
    assertThat(n.contains(ip("10.255.3.4"))).isTrue();
    assertThat(n.contains(ip("11.0.0.1"))).isFalse();
    assertThat(n.contains(ip("192.168.1.77"))).isTrue();
    assertThat(n.contains(ip("192.168.2.1"))).isFalse();
    assertThat(n.contains(ip("172.31.255.255"))).isTrue();
    assertThat(n.contains(ip("172.32.0.0"))).isFalse();
    assertThat(n.contains(ip("127.0.0.1"))).isTrue();
    assertThat(n.contains(ip("127.0.0.2"))).isFalse();
    assertThat(n.contains(ip("fd12:3456::1"))).isTrue();
    assertThat(n.contains(ip("fe80::1"))).isFalse();
    assertThat(n.contains(ip("::ffff:10.1.2.3"))).isTrue(); // the IPv4 address it maps
    assertThat(n.toString()).isEqualTo("10.0.0.0/8,192.168.1.0/24,fd00::/8,127.0.0.1,172.16.0.0/12");
  }

  @Test
  void zeroPrefixAndAny() throws Exception {
    assertThat(NodeNetworks.parse("0.0.0.0/0").contains(ip("8.8.8.8"))).isTrue();
    assertThat(NodeNetworks.parse("0.0.0.0/0").contains(ip("::1"))).isFalse();
    assertThat(NodeNetworks.parse("  ")).isSameAs(NodeNetworks.ANY);
    assertThat(NodeNetworks.ANY.contains(ip("8.8.8.8"))).isTrue();
    assertThat(NodeNetworks.ANY.refusal(URI.create("http://no-such-host.invalid:1"), "endpoint")).isNull();
  }

  @Test
  void aUriIsPermittedWhenItsHostResolvesInside() {
    NodeNetworks n = NodeNetworks.parse("127.0.0.0/8,::1/128");
    assertThat(n.permits(URI.create("http://127.0.0.1:8001"))).isTrue();
    assertThat(n.permits(URI.create("http://[::1]:8001/x"))).isTrue();
    assertThat(n.refusal(URI.create("http://10.0.0.1:6379"), "endpoint"))
        .isEqualTo("endpoint host '10.0.0.1' resolves to 10.0.0.1, outside the node networks 127.0.0.0/8,::1/128");
    assertThat(n.refusal(URI.create("http://no-such-host.invalid:1"), "health_url"))
        .startsWith("health_url host 'no-such-host.invalid' does not resolve");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "10.0.0.1/8 | network '10.0.0.1/8' has address bits set past its prefix length; write the network's first"
          + " address, such as 10.0.0.0/8",
      "10.0.0.0/33 | network '10.0.0.0/33': the prefix length must be a whole number from 0 to 32",
      "fd00::/129 | the prefix length must be a whole number from 0 to 128",
      "10.0.0.0/x | the prefix length must be a whole number",
      "example.com/24 | network 'example.com/24' must be an IPv4 or IPv6 address",
      "256.1.1.1 | must be an IPv4 or IPv6 address",
      "10.0.0.0/8,,fd00::/8 | found an empty one",
  })
  void badBlocksAreNamed(String text, String message) {
    assertThatThrownBy(() -> NodeNetworks.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
