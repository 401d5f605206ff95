package org.loyaltyengine.platform;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.loyaltyengine.platform.ConfigException;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("SSRF guard: which addresses a webhook may reach")
class TargetPolicyTest {
  private static final TargetPolicy NOTHING_ALLOWED = TargetPolicy.parse("", "LOYALTY_WEBHOOKS_ALLOWED_TARGETS");

  private static InetAddress ip(String literal) {
    InetAddress a = TargetPolicy.literal(literal);
    assertTrue(a != null, literal + " is a literal");
    return a;
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
      "127.0.0.1, loopback", "127.9.9.9, loopback", "::1, loopback", "::ffff:127.0.0.1, loopback",
      "10.1.2.3, private", "172.16.0.1, private", "172.31.255.255, private", "192.168.1.1, private",
      "100.64.0.1, private (shared address space)", "fc00::1, private (unique local)", "fd12:3456::1, private (unique local)",
      "169.254.1.1, link-local", "fe80::1, link-local",
      "169.254.169.254, cloud metadata", "fd00:ec2::254, cloud metadata",
      "0.0.0.0, unspecified", "0.1.2.3, unspecified", "::, unspecified",
      "224.0.0.1, multicast", "239.255.255.250, multicast", "ff02::1, multicast", "255.255.255.255, broadcast",
      "64:ff9b::7f00:1, loopback", "64:ff9b::a00:1, private"})
  @DisplayName("every loopback, private, link-local, metadata, unspecified and multicast address is refused by default")
  void restrictedClassesAreRefused(String address, String kind) {
    assertEquals(kind, TargetPolicy.restrictedKind(ip(address)));
    assertTrue(NOTHING_ALLOWED.refusal(ip(address)).orElseThrow().contains(kind));
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "172.32.0.1", "2001:4860:4860::8888", "100.128.0.1"})
  @DisplayName("public addresses are allowed")
  void publicAddressesPass(String address) {
    assertNull(TargetPolicy.restrictedKind(ip(address)));
    assertTrue(NOTHING_ALLOWED.refusal(ip(address)).isEmpty());
  }

  @Test
  @DisplayName("the operator's allow-list permits exactly its IPs, CIDRs and host names")
  void allowList() {
    TargetPolicy policy = TargetPolicy.parse(" 127.0.0.1 , 10.0.0.0/8, [::1], fd00::/8, hooks.internal ", "LOYALTY_WEBHOOKS_ALLOWED_TARGETS");
    assertTrue(policy.refusal(ip("127.0.0.1")).isEmpty());
    assertFalse(policy.refusal(ip("127.0.0.2")).isEmpty(), "one IP, not the whole loopback range");
    assertTrue(policy.refusal(ip("10.200.3.4")).isEmpty());
    assertFalse(policy.refusal(ip("192.168.0.1")).isEmpty());
    assertTrue(policy.refusal(ip("::1")).isEmpty());
    assertTrue(policy.refusal(ip("fd99::5")).isEmpty());
    assertFalse(policy.refusal(ip("169.254.169.254")).isEmpty(), "metadata stays refused unless listed");
    assertTrue(policy.allowsHost("HOOKS.internal"));
    assertFalse(policy.allowsHost("other.internal"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/33", "300.1.1.1/8", "not a host", "fe80::/200", "a_b"})
  @DisplayName("a malformed allow-list entry stops start-up with the setting named")
  void malformedAllowList(String entry) {
    ConfigException e = assertThrows(ConfigException.class, () -> TargetPolicy.parse(entry, "LOYALTY_WEBHOOKS_ALLOWED_TARGETS"));
    assertTrue(e.getMessage().startsWith("LOYALTY_WEBHOOKS_ALLOWED_TARGETS"), e.getMessage());
  }

  @Test
  @DisplayName("only IP literals are parsed locally; a name (or a dotted quad out of range) is left to the resolver")
  void literals() {
    assertNull(TargetPolicy.literal("example.com"));
    assertNull(TargetPolicy.literal("999.1.1.1"));
    assertEquals("0:0:0:0:0:0:0:1", TargetPolicy.literal("[::1]").getHostAddress());
  }
}
