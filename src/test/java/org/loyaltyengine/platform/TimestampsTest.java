package org.loyaltyengine.platform;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@DisplayName("Timestamps: one wire format, UTC with Z")
class TimestampsTest {
  @Test
  @DisplayName("instants are written in UTC with Z and only the fraction digits they have")
  void formatsInUtcWithZ() {
    assertEquals("2026-11-22T10:15:30Z", Timestamps.format(Instant.parse("2026-11-22T10:15:30Z")));
    assertEquals("2026-11-22T10:15:30.120Z", Timestamps.format(Instant.parse("2026-11-22T10:15:30.12Z")));
    assertEquals("2026-11-22T09:15:30.123456Z",
        Timestamps.format(OffsetDateTime.parse("2026-11-22T10:15:30.123456+01:00")));
    assertNull(Timestamps.format((Instant) null));
  }

  @Test
  @DisplayName("a timestamp PostgreSQL wrote into JSON with +00:00 reads as the same instant with Z")
  void normalizesPostgresJsonTimestamps() {
    assertEquals("2026-12-06T13:31:53.123456Z", Timestamps.normalize("2026-12-06T13:31:53.123456+00:00"));
    assertEquals("2026-12-06T12:31:53Z", Timestamps.normalize("2026-12-06T13:31:53+01:00"));
    assertEquals("not a time", Timestamps.normalize("not a time"));
  }
}
