package org.loyaltyengine.seed;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Basket generator shared by the seeder and the load generators")
class BasketsTest {

  @Test
  @DisplayName("a basket's total is the sum of its line amounts, and each amount is quantity x a unit price in range")
  void totals() {
    SplittableRandom random = new SplittableRandom(7);
    for (int n = 0; n < 1_000; n++) {
      Baskets.Basket basket = Baskets.basket(random, 5);
      assertEquals(5, basket.items().size());
      assertEquals(basket.items().stream().mapToLong(SeedData.Item::amount).sum(), basket.total());
      for (SeedData.Item item : basket.items()) {
        assertTrue(item.quantity() >= 1 && item.quantity() <= SeedData.MAX_QUANTITY);
        assertEquals(0, item.amount() % item.quantity());
        long unit = item.amount() / item.quantity();
        assertTrue(unit >= SeedData.MIN_UNIT_PRICE && unit <= SeedData.MAX_UNIT_PRICE, "unit price " + unit);
      }
    }
  }

  @Test
  @DisplayName("skus run from SKU-100 to SKU-999 and the category follows from the sku")
  void catalogue() {
    SplittableRandom random = new SplittableRandom(11);
    for (SeedData.Item item : Baskets.items(random, 5_000)) {
      int sku = Integer.parseInt(item.sku().substring("SKU-".length()));
      assertTrue(sku >= 100 && sku <= 999, item.sku());
      assertEquals(Baskets.CATEGORIES[sku % Baskets.CATEGORIES.length], item.category());
    }
  }

  @Test
  @DisplayName("store purchases name one of the 50 stores; online purchases name none")
  void places() {
    SplittableRandom random = new SplittableRandom(3);
    int inStore = 0;
    for (int n = 0; n < 4_000; n++) {
      Baskets.Place place = Baskets.place(random);
      if (place.channel().equals("store")) {
        inStore++;
        int store = Integer.parseInt(place.storeId().substring("store-".length()));
        assertTrue(store >= 1 && store <= Baskets.STORES);
      } else {
        assertEquals("online", place.channel());
        assertNull(place.storeId());
      }
    }
    assertTrue(inStore > 2_700 && inStore < 3_300, "about three in four in a store, got " + inStore);
  }

  @Test
  @DisplayName("the JSON fields of a basket, wrapped in braces, are a purchase body the API reads")
  void jsonFields() {
    Baskets.Basket basket = Baskets.basket(new SplittableRandom(5), 3);
    JsonObject body = new JsonObject("{" + basket.jsonFields() + "}");
    assertEquals(basket.total(), body.getLong("total"));
    assertEquals(basket.place().channel(), body.getString("channel"));
    assertEquals(basket.place().storeId(), body.getString("storeId"));
    assertEquals(3, body.getJsonArray("items").size());
    JsonObject first = body.getJsonArray("items").getJsonObject(0);
    assertEquals(basket.items().get(0).sku(), first.getString("sku"));
    assertEquals(basket.items().get(0).amount(), first.getLong("amount"));
    assertFalse(body.containsKey("transactionId"), "ids are the caller's");
  }

  @Test
  @DisplayName("the same seed draws the same baskets")
  void deterministic() {
    assertEquals(Baskets.basket(new SplittableRandom(42), 5), Baskets.basket(new SplittableRandom(42), 5));
  }
}
