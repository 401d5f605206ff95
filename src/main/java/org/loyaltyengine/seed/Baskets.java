package org.loyaltyengine.seed;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The one basket generator: the seeder's purchases, the open-loop generator's bodies, and (through the file
 * {@link #main} writes) the wrk scripts and the Gatling suite all draw baskets here, so every workload sees the
 * same catalogue: sku {@code SKU-100..SKU-999}, category by sku, quantity 1-3, unit price 1.99-99.99 (amount =
 * quantity x unit price, minor units), three in four purchases in {@code store-1..store-50}, the rest online.
 * The draws are made in a fixed order from the generator passed in, so the seeder stays a pure function of its
 * random seed.
 */
public final class Baskets {
  public static final String[] CATEGORIES = {
      "grocery", "beverages", "household", "personal-care", "electronics", "clothing"};
  public static final int SKUS = 900;
  public static final int STORES = 50;
  /** Lines per basket of the benchmark workloads (the seeder draws 1..{@link SeedData#MAX_ITEMS}). */
  public static final int BENCH_LINES = 5;
  static final int MAX_BASKETS = 1_000_000;

  private Baskets() {}

  /** Where a purchase happened: {@code storeId} is null online. */
  public record Place(String channel, String storeId) {}

  /** A basket and where it was bought; {@code total} is the sum of the line amounts. */
  public record Basket(Place place, List<SeedData.Item> items, long total) {
    /** {@code "total":N,"channel":"store","storeId":"store-3","items":[...]}: the fields of a purchase body. */
    public String jsonFields() {
      StringBuilder json = new StringBuilder(80 + 80 * items.size()).append("\"total\":").append(total)
          .append(",\"channel\":\"").append(place.channel()).append('"');
      if (place.storeId() != null) {
        json.append(",\"storeId\":\"").append(place.storeId()).append('"');
      }
      json.append(",\"items\":[");
      for (int i = 0; i < items.size(); i++) {
        SeedData.Item item = items.get(i);
        json.append(i == 0 ? "" : ",").append("{\"sku\":\"").append(item.sku()).append("\",\"category\":\"")
            .append(item.category()).append("\",\"quantity\":").append(item.quantity())
            .append(",\"amount\":").append(item.amount()).append('}');
      }
      return json.append(']').toString();
    }
  }

  /** Three in four purchases happen in a store. */
  public static Place place(RandomGenerator random) {
    boolean inStore = random.nextInt(4) != 0;
    return inStore ? new Place("store", "store-" + (1 + random.nextInt(STORES))) : new Place("online", null);
  }

  /** {@code count} random lines. */
  public static List<SeedData.Item> items(RandomGenerator random, int count) {
    List<SeedData.Item> items = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int sku = 100 + random.nextInt(SKUS);
      int quantity = 1 + random.nextInt(SeedData.MAX_QUANTITY);
      long unitPrice = random.nextLong(SeedData.MIN_UNIT_PRICE, SeedData.MAX_UNIT_PRICE + 1);
      items.add(new SeedData.Item("SKU-" + sku, CATEGORIES[sku % CATEGORIES.length], quantity, quantity * unitPrice));
    }
    return List.copyOf(items);
  }

  public static Basket basket(RandomGenerator random, int lines) {
    Place place = place(random);
    List<SeedData.Item> items = items(random, lines);
    long total = 0;
    for (SeedData.Item item : items) {
      total = Math.addExact(total, item.amount());
    }
    return new Basket(place, items, total);
  }

  /**
   * {@code Baskets COUNT LINES SEED}: writes COUNT baskets of LINES lines, one {@link Basket#jsonFields()} per
   * line, for the load generators that cannot call Java (wrk's Lua, Gatling's feeder).
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: Baskets COUNT LINES SEED");
      System.exit(2);
    }
    int count = Integer.parseInt(args[0]);
    int lines = Integer.parseInt(args[1]);
    if (count < 1 || count > MAX_BASKETS || lines < 1 || lines > 100) {
      System.err.println("Baskets: COUNT must be 1.." + MAX_BASKETS + " and LINES 1..100");
      System.exit(2);
    }
    SplittableRandom random = new SplittableRandom(Long.parseLong(args[2]));
    var out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
    for (int i = 0; i < count; i++) {
      out.write(basket(random, lines).jsonFields());
      out.newLine();
    }
    out.flush();
  }
}
