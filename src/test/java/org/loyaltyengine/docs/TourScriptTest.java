package org.loyaltyengine.docs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

@DisplayName("README tour script: how commands and shown answers are read and compared")
class TourScriptTest {
  static final String README = """
      # Title

      ## API tour

      ```bash
      # prose, not a command
      curl -s -X POST localhost:8080/v1/x -H 'A: b' \\
        -d '{"a": 1,
             "b": "it is # not a comment"}'
      # → 201 {"id":"…","name":"acme",
      #    "key":"lk_…"}
      # more prose
      ID=$(jq -r .id x.json)   # a trailing comment
      curl -s -X DELETE localhost:8080/v1/x/$ID
      # → 204
      ```

      ## Next section

      ```bash
      curl -s not-part-of-the-tour
      ```
      """;

  @Test
  @DisplayName("commands span continuation lines and open quotes; shown answers span indented comment lines")
  void parsesCommandsAndAnswers() {
    List<TourScript.Step> steps = TourScript.parse(README);
    assertEquals(3, steps.size());
    TourScript.Step post = steps.get(0);
    assertEquals(7, post.line());
    assertEquals(3, post.command().split("\n").length);
    assertEquals(201, post.status());
    assertEquals(new JsonObject().put("id", "…").put("name", "acme").put("key", "lk_…"), post.body());
    assertNull(steps.get(1).status());
    assertNull(steps.get(1).expectationText());
    assertEquals(204, steps.get(2).status());
    assertNull(steps.get(2).body());
  }

  @Test
  @DisplayName("a command whose quote never closes, or a shown answer that is not JSON, is a README error")
  void rejectsBrokenTours() {
    assertThrows(AssertionError.class, () -> TourScript.parse(README.replace("comment\"}'", "comment\"}")));
    assertThrows(AssertionError.class, () -> TourScript.parse(README.replace("\"key\":\"lk_…\"}", "\"key\":lk}")));
  }

  @Test
  @DisplayName("\"…\" matches any value, a prefix… any string so starting; objects are exact unless open")
  void matchesShapes() {
    JsonObject shown = new JsonObject().put("id", "…").put("key", "lk_…").put("n", 3);
    assertNull(TourScript.mismatch(shown, new JsonObject().put("id", 7).put("key", "lk_abc").put("n", 3), "$"));
    assertNotNull(TourScript.mismatch(shown, new JsonObject().put("id", 7).put("key", "xx").put("n", 3), "$"));
    assertNotNull(TourScript.mismatch(shown, new JsonObject().put("id", 7).put("key", "lk_").put("n", 4), "$"));
    assertNotNull(TourScript.mismatch(shown, new JsonObject().put("id", 7).put("key", "lk_").put("n", 3)
        .put("extra", true), "$"), "a field the README does not show");
    assertNull(TourScript.mismatch(shown.copy().put("…", "…"), new JsonObject().put("id", 7).put("key", "lk_")
        .put("n", 3).put("extra", true), "$"));
    assertNotNull(TourScript.mismatch(shown, new JsonObject().put("id", 7).put("n", 3), "$"), "a missing field");
    JsonArray open = new JsonArray().add(1).add("…");
    assertNull(TourScript.mismatch(open, new JsonArray().add(1).add(2).add(3), "$"));
    assertNotNull(TourScript.mismatch(new JsonArray().add(1), new JsonArray().add(1).add(2), "$"));
  }
}
