package org.loyaltyengine.analytics;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

/**
 * A batch of facts folded into what the analytics tables must gain: one figures row per tenant and day,
 * the members active on each day, redemptions per reward and day, and each tenant's progress. Facts are
 * counted once each, by event id, whatever the batch repeats. Every list comes out sorted by its key, so
 * concurrent writers lock rows in the same order.
 */
public final class DailyRollup {

  public record DayKey(UUID tenantId, LocalDate day) {}

  public record DayRow(UUID tenantId, LocalDate day, DailyFigures figures) {}

  public record MemberDay(UUID tenantId, LocalDate day, long memberId) {}

  public record RewardDay(UUID tenantId, LocalDate day, String rewardId, long redemptions, long quantity, long points) {}

  /** How many events of the tenant this batch applies, and the newest of them. */
  public record TenantProgress(UUID tenantId, long events, long lastEventId, Instant lastEventAt) {}

  private static final Comparator<DayKey> DAY_ORDER =
      Comparator.comparing(DayKey::tenantId).thenComparing(DayKey::day);
  private static final Comparator<MemberDay> MEMBER_DAY_ORDER = Comparator.comparing(MemberDay::tenantId)
      .thenComparing(MemberDay::day).thenComparingLong(MemberDay::memberId);
  private static final Comparator<RewardDay> REWARD_DAY_ORDER = Comparator.comparing(RewardDay::tenantId)
      .thenComparing(RewardDay::day).thenComparing(RewardDay::rewardId);

  private final List<DayRow> days;
  private final List<MemberDay> memberDays;
  private final List<RewardDay> rewardDays;
  private final List<TenantProgress> tenants;
  private final int facts;

  private DailyRollup(List<DayRow> days, List<MemberDay> memberDays, List<RewardDay> rewardDays,
                      List<TenantProgress> tenants, int facts) {
    this.days = days;
    this.memberDays = memberDays;
    this.rewardDays = rewardDays;
    this.tenants = tenants;
    this.facts = facts;
  }

  /** The calendar day of an instant in a tenant's zone: the day a fact is reported under. */
  public static LocalDate dayOf(Instant occurredAt, ZoneId zone) {
    return LocalDate.ofInstant(occurredAt, zone);
  }

  /** Keeps the first fact of each event id, in the order given. */
  public static List<AnalyticsFact> distinctEvents(List<AnalyticsFact> facts) {
    Map<Long, AnalyticsFact> byId = new java.util.LinkedHashMap<>();
    for (AnalyticsFact f : facts) {
      byId.putIfAbsent(f.eventId(), f);
    }
    return List.copyOf(byId.values());
  }

  /** Folds {@code facts} (an event id repeated counts once); {@code zones} gives each tenant's time zone. */
  public static DailyRollup of(List<AnalyticsFact> facts, Function<UUID, ZoneId> zones) {
    Map<DayKey, DailyFigures> figures = new TreeMap<>(DAY_ORDER);
    TreeSet<MemberDay> active = new TreeSet<>(MEMBER_DAY_ORDER);
    Map<RewardDay, RewardDay> rewards = new TreeMap<>(REWARD_DAY_ORDER);
    Map<UUID, TenantProgress> progress = new TreeMap<>();
    List<AnalyticsFact> distinct = distinctEvents(facts);
    for (AnalyticsFact f : distinct) {
      LocalDate day = dayOf(f.occurredAt(), zones.apply(f.tenantId()));
      figures.merge(new DayKey(f.tenantId(), day), DailyFigures.of(f), DailyFigures::plus);
      if (f.kind().isMemberActivity() && f.memberId() != null) {
        active.add(new MemberDay(f.tenantId(), day, f.memberId()));
      }
      if (f.kind() == AnalyticsFact.Kind.REDEMPTION_CREATED) {
        RewardDay one = new RewardDay(f.tenantId(), day, f.rewardId(), 1, f.quantity(), f.points());
        rewards.merge(one, one, (a, b) -> new RewardDay(a.tenantId(), a.day(), a.rewardId(),
            Math.addExact(a.redemptions(), b.redemptions()), Math.addExact(a.quantity(), b.quantity()),
            Math.addExact(a.points(), b.points())));
      }
      progress.merge(f.tenantId(), new TenantProgress(f.tenantId(), 1, f.eventId(), f.occurredAt()),
          (a, b) -> new TenantProgress(a.tenantId(), a.events() + b.events(), Math.max(a.lastEventId(), b.lastEventId()),
              a.lastEventAt().isAfter(b.lastEventAt()) ? a.lastEventAt() : b.lastEventAt()));
    }
    List<DayRow> dayRows = new ArrayList<>(figures.size());
    figures.forEach((k, v) -> dayRows.add(new DayRow(k.tenantId(), k.day(), v)));
    return new DailyRollup(List.copyOf(dayRows), List.copyOf(active), List.copyOf(rewards.values()),
        List.copyOf(progress.values()), distinct.size());
  }

  public boolean isEmpty() {
    return facts == 0;
  }

  /** Distinct events folded in. */
  public int facts() {
    return facts;
  }

  public List<DayRow> days() {
    return days;
  }

  public List<MemberDay> memberDays() {
    return memberDays;
  }

  public List<RewardDay> rewardDays() {
    return rewardDays;
  }

  public List<TenantProgress> tenants() {
    return tenants;
  }
}
