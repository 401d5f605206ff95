package org.loyaltyengine.seed;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Demo data for one member, computed from (random seed, member index, as-of instant) alone. Nothing is
 * shared between members, so any member can be regenerated on its own, chunks can be produced in any order,
 * and the generator is testable without a database. All money is integer minor units, all points integers.
 */
public final class SeedData {
  public static final int MAX_MEMBER_INDEX = 9_999_999; // external ids carry 7 digits
  public static final int MAX_ITEMS = 5;
  public static final int MAX_QUANTITY = 3;
  public static final long MIN_UNIT_PRICE = 199;
  public static final long MAX_UNIT_PRICE = 9_999;
  /** Earning rule of the demo program: one point per whole EUR spent, per transaction. */
  public static final long MINOR_UNITS_PER_POINT = 100;

  private static final long ENROLMENT_WINDOW_SECONDS = Duration.ofDays(730).toSeconds();
  private static final long PURCHASE_WINDOW_SECONDS = Duration.ofDays(365).toSeconds();

  private static final String[] FIRST_NAMES = {
      "Anna", "Piotr", "Maria", "Jan", "Katarzyna", "Tomasz", "Zofia", "Marek",
      "Ewa", "Pawel", "Julia", "Adam", "Olga", "Lukas", "Sofia", "Mateo"};
  private static final String[] LAST_NAMES = {
      "Nowak", "Kowalski", "Wisniewska", "Schmidt", "Muller", "Rossi", "Garcia", "Martin",
      "Dubois", "Jansen", "Novak", "Horvat", "Silva", "Berg", "Virtanen", "Murphy"};

  /** A basket line; {@code amount} is the line's value in minor units (quantity already applied), as in the API. */
  public record Item(String sku, String category, int quantity, long amount) {}

  /** One purchase; {@code total} and {@code pointsEarned} are fixed at generation so rows can't disagree. */
  public record Purchase(String transactionId, Instant occurredAt, String channel, String storeId, List<Item> items,
                         long total, long pointsEarned) {}

  public record Member(int index, String externalId, String email, String firstName, String lastName,
                       Instant enrolledAt, List<Purchase> purchases) {
    /** Sum of the member's earn entries, which is also its available balance (nothing pending or spent). */
    public long points() {
      long sum = 0;
      for (Purchase p : purchases) {
        sum += p.pointsEarned();
      }
      return sum;
    }

    public long spent() {
      long sum = 0;
      for (Purchase p : purchases) {
        sum += p.total();
      }
      return sum;
    }
  }

  private final long randomSeed;
  private final Instant asOf;
  private final int purchasesPerMember;

  /**
   * @param asOf the "now" all timestamps lie before; passed in (not read from a clock) so that output is a
   *             pure function of the arguments
   */
  public SeedData(long randomSeed, Instant asOf, int purchasesPerMember) {
    if (purchasesPerMember < 0) {
      throw new IllegalArgumentException("purchasesPerMember must be >= 0, got " + purchasesPerMember);
    }
    this.randomSeed = randomSeed;
    this.asOf = asOf;
    this.purchasesPerMember = purchasesPerMember;
  }

  public static String externalId(int index) {
    checkIndex(index);
    String digits = Integer.toString(index);
    return "member-" + "0000000".substring(digits.length()) + digits;
  }

  public static String transactionId(int memberIndex, int n) {
    return "t-" + memberIndex + "-" + n;
  }

  public Member member(int index) {
    checkIndex(index);
    SplittableRandom random = new SplittableRandom(streamSeed(randomSeed, index));
    String externalId = externalId(index);
    String firstName = FIRST_NAMES[random.nextInt(FIRST_NAMES.length)];
    String lastName = LAST_NAMES[random.nextInt(LAST_NAMES.length)];
    Instant enrolledAt = asOf.minusSeconds(1 + random.nextLong(ENROLMENT_WINDOW_SECONDS));
    List<Purchase> purchases = new ArrayList<>(purchasesPerMember);
    for (int n = 1; n <= purchasesPerMember; n++) {
      purchases.add(purchase(random, index, n));
    }
    return new Member(index, externalId, externalId + "@example.com", firstName, lastName, enrolledAt,
        List.copyOf(purchases));
  }

  private Purchase purchase(SplittableRandom random, int memberIndex, int n) {
    Instant occurredAt = asOf.minusSeconds(1 + random.nextLong(PURCHASE_WINDOW_SECONDS));
    Baskets.Place place = Baskets.place(random);
    List<Item> items = Baskets.items(random, 1 + random.nextInt(MAX_ITEMS));
    long total = 0;
    for (Item item : items) {
      total = Math.addExact(total, item.amount());
    }
    return new Purchase(transactionId(memberIndex, n), occurredAt, place.channel(), place.storeId(), items, total,
        total / MINOR_UNITS_PER_POINT);
  }

  /**
   * SplittableRandom streams whose seeds differ by its internal increment overlap, so (seed, index) is
   * hashed (the MurmurHash3 finaliser) rather than simply added.
   */
  static long streamSeed(long randomSeed, int index) {
    return mix64(randomSeed ^ mix64(0x9E3779B97F4A7C15L * (index + 1L)));
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
    z = (z ^ (z >>> 33)) * 0xC4CEB93FE1A85B7BL;
    return z ^ (z >>> 33);
  }

  private static void checkIndex(int index) {
    if (index < 1 || index > MAX_MEMBER_INDEX) {
      throw new IllegalArgumentException("member index must be 1.." + MAX_MEMBER_INDEX + ", got " + index);
    }
  }
}
