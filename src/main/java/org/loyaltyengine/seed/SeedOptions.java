package org.loyaltyengine.seed;

import org.loyaltyengine.platform.CommandLineOptions;
import org.loyaltyengine.platform.ConfigException;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Arguments of {@code seed}. {@code members} is the tenant's target member count, not a number to add.
 *
 * @param chunkMembers members committed per database transaction: a crash loses at most one chunk
 */
public record SeedOptions(String tenant, int members, int transactionsPerMember, Optional<Path> export,
                          long randomSeed, int chunkMembers) {
  public static final int DEFAULT_TRANSACTIONS_PER_MEMBER = 10;
  public static final long DEFAULT_RANDOM_SEED = 42;
  public static final int DEFAULT_CHUNK_MEMBERS = 10_000;
  static final int MAX_TRANSACTIONS_PER_MEMBER = 1_000;
  static final int MAX_CHUNK_MEMBERS = 100_000;

  public SeedOptions {
    if (tenant == null || tenant.isBlank() || tenant.length() > 200) {
      throw new ConfigException("seed: --tenant must be a non-empty name of at most 200 characters");
    }
    if (members < 0 || members > SeedData.MAX_MEMBER_INDEX) {
      throw new ConfigException("seed: --members must be between 0 and " + SeedData.MAX_MEMBER_INDEX
          + " (got " + members + ")");
    }
    if (transactionsPerMember < 0 || transactionsPerMember > MAX_TRANSACTIONS_PER_MEMBER) {
      throw new ConfigException("seed: --transactions-per-member must be between 0 and "
          + MAX_TRANSACTIONS_PER_MEMBER + " (got " + transactionsPerMember + ")");
    }
    if (chunkMembers < 1 || chunkMembers > MAX_CHUNK_MEMBERS) {
      throw new ConfigException("seed: --chunk-members must be between 1 and " + MAX_CHUNK_MEMBERS
          + " (got " + chunkMembers + ")");
    }
  }

  public static SeedOptions of(String tenant, int members, int transactionsPerMember) {
    return new SeedOptions(tenant, members, transactionsPerMember, Optional.empty(), DEFAULT_RANDOM_SEED,
        DEFAULT_CHUNK_MEMBERS);
  }

  public SeedOptions withExport(Path file) {
    return new SeedOptions(tenant, members, transactionsPerMember, Optional.of(file), randomSeed, chunkMembers);
  }

  public SeedOptions withChunkMembers(int n) {
    return new SeedOptions(tenant, members, transactionsPerMember, export, randomSeed, n);
  }

  /**
   * {@code --tenant NAME --members N [--transactions-per-member K] [--export FILE] [--random-seed S]
   * [--chunk-members C]}; both {@code --name value} and {@code --name=value} are accepted.
   */
  public static SeedOptions parse(String[] args) {
    String tenant = null;
    Integer members = null;
    int perMember = DEFAULT_TRANSACTIONS_PER_MEMBER;
    Optional<Path> export = Optional.empty();
    long seed = DEFAULT_RANDOM_SEED;
    int chunk = DEFAULT_CHUNK_MEMBERS;
    for (CommandLineOptions.Option option : CommandLineOptions.parse("seed", args)) {
      String name = option.name();
      String value = option.value();
      switch (name) {
        case "--tenant" -> tenant = value;
        case "--members" -> members = integer(name, value);
        case "--transactions-per-member" -> perMember = integer(name, value);
        case "--export" -> export = Optional.of(path(value));
        case "--random-seed" -> seed = longValue(name, value);
        case "--chunk-members" -> chunk = integer(name, value);
        default -> throw new ConfigException("seed: unknown argument " + name
            + " (expected --tenant, --members, --transactions-per-member, --export, --random-seed, --chunk-members)");
      }
    }
    if (tenant == null) {
      throw new ConfigException("seed: --tenant NAME is required");
    }
    if (members == null) {
      throw new ConfigException("seed: --members N is required (the tenant's target member count)");
    }
    return new SeedOptions(tenant, members, perMember, export, seed, chunk);
  }

  private static int integer(String name, String value) {
    long n = longValue(name, value);
    if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
      throw new ConfigException("seed: " + name + " is out of range (got " + value + ")");
    }
    return (int) n;
  }

  private static long longValue(String name, String value) {
    try {
      return Long.parseLong(value.trim().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new ConfigException("seed: " + name + " must be an integer (got \"" + value + "\")");
    }
  }

  private static Path path(String value) {
    if (value.isBlank()) {
      throw new ConfigException("seed: --export needs a file name");
    }
    try {
      return Path.of(value);
    } catch (RuntimeException e) {
      throw new ConfigException("seed: --export is not a valid path (" + e.getMessage() + ")");
    }
  }
}
