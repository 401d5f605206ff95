package org.loyaltyengine.rules;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.loyaltyengine.rules.AwardSpec.Rounding.DOWN;
import static org.loyaltyengine.rules.AwardSpec.Rounding.NEAREST;
import static org.loyaltyengine.rules.AwardSpec.Spend.BASKET;
import static org.loyaltyengine.rules.AwardSpec.Spend.MATCHING_ITEMS;
import static org.loyaltyengine.rules.RuleBuilder.eventRule;
import static org.loyaltyengine.rules.RuleBuilder.purchaseRule;

/**
 * One purchase of 20 lines against 100 rules of a realistic mix: a tier-multiplied base rate, category and
 * sku promotions with long sku lists, channel, store, time-window and member-attribute bonuses, capped and
 * budgeted rules, multipliers, and event rules that a purchase must not even look at. Not a unit test:
 * run it with scripts/bench-rules.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RuleEvaluationBenchmark {
  static final int RULES = 100;
  static final int LINES = 20;
  private static final String[] CATEGORIES = new String[40];
  private static final String[] LABELS = {"promo", "organic", "new", "local", "clearance", "vegan"};

  static {
    for (int i = 0; i < CATEGORIES.length; i++) {
      CATEGORIES[i] = "category-" + i;
    }
  }

  CompiledRuleSet rules;
  Purchase purchase;
  EarningContext context;

  @Setup
  public void setUp() {
    Random random = new Random(42);
    rules = CompiledRuleSet.compile(ruleSet(random));
    purchase = basket(random);
    Map<String, Map<String, Long>> used = new HashMap<>();
    CapWindows.Keys windows = CapWindows.keys(purchase.occurredAt(), ZoneId.of("Europe/Warsaw"));
    for (String id : rules.cappedRuleIds()) {
      used.put(id, Map.of(windows.day(), 20L, windows.week(), 120L, windows.month(), 400L));
    }
    Map<String, Long> spent = new HashMap<>();
    for (String id : rules.budgetedRuleIds()) {
      spent.put(id, 500_000L);
    }
    context = new EarningContext(ZoneId.of("Europe/Warsaw"),
        new MemberFacts("gold", 150, Map.of("city", "Krakow", "segment", "family", "app", "yes")),
        CapUsage.of(used, spent));
  }

  @Benchmark
  public Evaluation evaluatePurchase() {
    return rules.evaluatePurchase(purchase, context);
  }

  static RuleSet ruleSet(Random random) {
    List<RuleBuilder> b = new ArrayList<>();
    b.add(purchaseRule("base").priority(1000).perSpend(1, 100, DOWN, BASKET).tierMultiplied());
    for (int i = 0; i < 35; i++) { // category promotions: x points per EUR on some categories, often capped
      RuleBuilder r = purchaseRule("cat-" + i).priority(500 - i)
          .categories(pick(CATEGORIES, 3, random)).perSpend(1 + random.nextInt(5), 100, NEAREST, MATCHING_ITEMS);
      if (i % 3 == 0) {
        r.labels(LABELS[random.nextInt(LABELS.length)]);
      }
      if (i % 2 == 0) {
        r.caps(200L, 1000L, 3000L, null);
      }
      if (i % 5 == 0) {
        r.validFrom("2026-01-01T00:00:00Z").validTo("2027-01-01T00:00:00Z");
      }
      b.add(r);
    }
    for (int i = 0; i < 20; i++) { // sku promotions: a fixed bonus for any of 200 skus, budgeted
      String[] skus = new String[200];
      for (int s = 0; s < skus.length; s++) {
        skus[s] = "SKU-" + random.nextInt(5000);
      }
      b.add(purchaseRule("sku-" + i).priority(400 - i).skus(new LinkedHashSet<>(List.of(skus)).toArray(new String[0]))
          .fixed(50 + 10 * i).budget(1_000_000).caps(500L, null, null, null));
    }
    for (int i = 0; i < 10; i++) { // channel and store bonuses
      RuleBuilder r = purchaseRule("where-" + i).priority(300 - i).fixed(25);
      if (i % 2 == 0) {
        r.channels(i % 4 == 0 ? "online" : "store");
      } else {
        r.stores("store-" + i, "store-" + (i + 10), "store-12").minBasketTotal(2000);
      }
      b.add(r);
    }
    for (int i = 0; i < 10; i++) { // happy hours and weekend bonuses, local to the tenant
      RuleBuilder r = purchaseRule("time-" + i).priority(200 - i).perSpend(1, 200, DOWN, BASKET);
      if (i % 2 == 0) {
        r.weekdays(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);
      } else {
        r.hours(String.format("%02d:00", 6 + i), String.format("%02d:00", 9 + i));
      }
      b.add(r);
    }
    for (int i = 0; i < 10; i++) { // member segments and tiers
      b.add(purchaseRule("member-" + i).priority(150 - i).fixed(10 + i)
          .memberAttribute("city", i % 2 == 0 ? "Krakow" : "Gdansk", "Warsaw")
          .memberAttribute("segment", "family", "student").tiers("gold", "platinum"));
    }
    for (int i = 0; i < 5; i++) { // multipliers late in the order
      RuleBuilder r = purchaseRule("multi-" + i).priority(50 - i).multiplier(110 + 10 * i);
      if (i % 2 == 0) {
        r.tiers("platinum");
      } else {
        r.weekdays(DayOfWeek.WEDNESDAY).caps(1000L, null, null, null);
      }
      b.add(r);
    }
    for (int i = 0; i < RULES - 1 - 35 - 20 - 10 - 10 - 10 - 5; i++) { // event rules
      b.add(eventRule("event-" + i, "event-type-" + i).fixed(5));
    }
    List<Rule> built = new ArrayList<>();
    for (RuleBuilder r : b) {
      built.add(r.build());
    }
    if (built.size() != RULES) {
      throw new IllegalStateException("expected " + RULES + " rules, built " + built.size());
    }
    return new RuleSet(built);
  }

  static Purchase basket(Random random) {
    List<LineItem> lines = new ArrayList<>();
    long total = 0;
    for (int i = 0; i < LINES; i++) {
      long amount = 100 + random.nextInt(5000);
      total += amount;
      Set<String> labels = i % 4 == 0 ? Set.of(LABELS[random.nextInt(LABELS.length)]) : Set.of();
      lines.add(new LineItem("SKU-" + random.nextInt(5000), CATEGORIES[random.nextInt(CATEGORIES.length)],
          1 + random.nextInt(3), amount, labels));
    }
    // A Wednesday, 10:15 in Warsaw.
    return new Purchase("tx-1", Instant.parse("2026-03-04T09:15:00Z"), total - 500, "EUR", "store", "store-12", lines);
  }

  private static String[] pick(String[] from, int n, Random random) {
    Set<String> out = new LinkedHashSet<>();
    while (out.size() < n) {
      out.add(from[random.nextInt(from.length)]);
    }
    return out.toArray(new String[0]);
  }

  public static void main(String[] args) throws RunnerException {
    RuleEvaluationBenchmark sample = new RuleEvaluationBenchmark();
    sample.setUp();
    Evaluation e = sample.evaluatePurchase();
    System.out.println("Sample evaluation: " + e.points() + " points from " + e.breakdown().size() + " of "
        + RULES + " rules: " + e.breakdown().stream().map(a -> a.ruleId() + "=" + a.points()).toList());
    Options options = new OptionsBuilder()
        .include(RuleEvaluationBenchmark.class.getName() + ".")
        .forks(1)
        .warmupIterations(3).warmupTime(TimeValue.seconds(1))
        .measurementIterations(5).measurementTime(TimeValue.seconds(1))
        .build();
    new Runner(options).run();
  }
}
