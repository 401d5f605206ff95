package org.loyaltyengine.platform;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which addresses the engine may call at a tenant's request (the SSRF guard, docs/security.md): webhooks and
 * fulfillment partners. Loopback, private (RFC 1918, shared 100.64/10, fc00::/7), link-local (169.254/16,
 * fe80::/10), cloud metadata (169.254.169.254, fd00:ec2::254), unspecified, broadcast and multicast addresses
 * are refused, unless the operator's allow-list for that kind of call ({@code LOYALTY_WEBHOOKS_ALLOWED_TARGETS},
 * {@code LOYALTY_FULFILLMENT_ALLOWED_TARGETS}: IPs, CIDRs or host names, comma separated) permits them. Pure:
 * the caller resolves names ({@link TargetLookup}); this only judges addresses.
 */
public final class TargetPolicy {
  private record Cidr(byte[] network, int prefix) {
    boolean contains(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (b[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xFF << (8 - rest)) & 0xFF;
      return (b[full] & mask) == (network[full] & mask);
    }
  }

  private static final List<Cidr> SHARED_V4 = List.of(cidr("100.64.0.0/10"));
  private static final List<Cidr> UNSPECIFIED_V4 = List.of(cidr("0.0.0.0/8"));
  private static final Cidr UNIQUE_LOCAL_V6 = cidr("fc00::/7");
  private static final Cidr NAT64 = cidr("64:ff9b::/96");
  private static final Set<String> METADATA = Set.of("169.254.169.254", "fd00:ec2:0:0:0:0:0:254");

  private final List<Cidr> allowedRanges;
  private final Set<String> allowedHosts;
  private final String setting;

  private TargetPolicy(List<Cidr> allowedRanges, Set<String> allowedHosts, String setting) {
    this.allowedRanges = allowedRanges;
    this.allowedHosts = allowedHosts;
    this.setting = setting;
  }

  /** The operator's setting this allow-list comes from. */
  public String setting() {
    return setting;
  }

  /**
   * The allow-list: comma separated IPs ({@code 127.0.0.1}, {@code ::1}), CIDRs ({@code 10.0.0.0/8}) or host
   * names; {@code setting} names it in a refusal.
   */
  public static TargetPolicy parse(String allowList, String setting) {
    List<Cidr> ranges = new ArrayList<>();
    Set<String> hosts = new HashSet<>();
    for (String raw : allowList.split(",")) {
      String entry = raw.trim();
      if (entry.isEmpty()) {
        continue;
      }
      if (entry.startsWith("[") && entry.endsWith("]")) {
        entry = entry.substring(1, entry.length() - 1);
      }
      if (entry.contains("/") || literal(entry) != null) {
        try {
          ranges.add(cidr(entry.contains("/") ? entry : entry + "/" + (literal(entry) instanceof Inet4Address ? 32 : 128)));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(setting + ": \"" + entry + "\" is not an IP address or CIDR");
        }
      } else if (entry.matches("[A-Za-z0-9.-]{1,253}")) {
        hosts.add(entry.toLowerCase(Locale.ROOT));
      } else {
        throw new ConfigException(setting + ": \"" + entry + "\" is not an IP, CIDR or host name");
      }
    }
    return new TargetPolicy(List.copyOf(ranges), Set.copyOf(hosts), setting);
  }

  /** Whether the operator allowed this host name, whatever it resolves to. */
  public boolean allowsHost(String host) {
    return allowedHosts.contains(bare(host).toLowerCase(Locale.ROOT));
  }

  /** Why {@code address} may not be reached, or empty when it may (public, or on the allow-list). */
  public Optional<String> refusal(InetAddress address) {
    String kind = restrictedKind(address);
    if (kind == null || allowedRanges.stream().anyMatch(c -> c.contains(address))) {
      return Optional.empty();
    }
    return Optional.of(address.getHostAddress() + " is a " + kind + " address");
  }

  /** The class of a non-public address, or null for an ordinary public one. */
  static String restrictedKind(InetAddress a) {
    if (METADATA.contains(a.getHostAddress())) {
      return "cloud metadata";
    }
    if (a.isAnyLocalAddress()) {
      return "unspecified";
    }
    if (a.isLoopbackAddress()) {
      return "loopback";
    }
    if (a.isLinkLocalAddress()) {
      return "link-local";
    }
    if (a.isMulticastAddress()) {
      return "multicast";
    }
    if (a.isSiteLocalAddress()) {
      return "private";
    }
    if (a instanceof Inet4Address) {
      if (SHARED_V4.stream().anyMatch(c -> c.contains(a))) {
        return "private (shared address space)";
      }
      if (UNSPECIFIED_V4.stream().anyMatch(c -> c.contains(a))) {
        return "unspecified";
      }
      if (a.getHostAddress().equals("255.255.255.255")) {
        return "broadcast";
      }
      return null;
    }
    if (UNIQUE_LOCAL_V6.contains(a)) {
      return "private (unique local)";
    }
    byte[] b = a.getAddress();
    boolean compatible = true; // ::a.b.c.d, the deprecated IPv4-compatible form
    for (int i = 0; i < 12; i++) {
      compatible &= b[i] == 0;
    }
    if (compatible || NAT64.contains(a)) {
      try {
        return restrictedKind(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)));
      } catch (UnknownHostException e) {
        return "unparseable";
      }
    }
    return null;
  }

  /** The address when {@code host} is an IP literal (IPv6 with or without brackets), else null; never a DNS query. */
  public static InetAddress literal(String host) {
    String h = bare(host);
    try {
      if (h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
        String[] parts = h.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
          int octet = Integer.parseInt(parts[i]);
          if (octet > 255) {
            return null;
          }
          b[i] = (byte) octet;
        }
        return InetAddress.getByAddress(b);
      }
      // A name with ':' can only be an IPv6 literal: the JDK parses it and never asks DNS.
      return h.contains(":") ? InetAddress.getByName(h) : null;
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static Cidr cidr(String text) {
    int slash = text.indexOf('/');
    InetAddress a = literal(text.substring(0, slash));
    if (a == null) {
      throw new IllegalArgumentException(text);
    }
    int prefix;
    try {
      prefix = Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(text);
    }
    int bits = a instanceof Inet6Address ? 128 : 32;
    if (prefix < 0 || prefix > bits) {
      throw new IllegalArgumentException(text);
    }
    return new Cidr(a.getAddress(), prefix);
  }
}
