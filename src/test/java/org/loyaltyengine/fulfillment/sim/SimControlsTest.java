package org.loyaltyengine.fulfillment.sim;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.fulfillment.sim.SimSettings.OutageMode;
import org.loyaltyengine.platform.Rejection;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Simulator controls")
class SimControlsTest {

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    Instant now = Instant.parse("2026-03-01T10:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  final ManualClock clock = new ManualClock();
  final SimControls controls = new SimControls(SimSettings.defaults(), clock);

  @Test
  @DisplayName("a partial update changes only the fields it names")
  void partialUpdate() {
    controls.update(SettingsChange.none().withLatencyMs(50).withErrorRate(0.25));
    SimSettings s = controls.update(SettingsChange.none().withTimeoutRate(0.1));
    assertEquals(50, s.latencyMs());
    assertEquals(0.25, s.errorRate());
    assertEquals(0.1, s.timeoutRate());
    assertEquals(0, s.permanentErrorRate());
    assertFalse(s.outage());
  }

  @Test
  @DisplayName("a rate outside 0..1 is rejected naming the field, and nothing changes")
  void invalidRate() {
    Rejection r = assertThrows(Rejection.class,
        () -> controls.update(SettingsChange.none().withLatencyMs(10).withErrorRate(1.5)));
    assertEquals("errorRate", r.field());
    assertEquals(SimSettings.defaults(), controls.settings());
    assertEquals("latencyJitterMs", assertThrows(Rejection.class,
        () -> controls.update(SettingsChange.none().withLatencyJitterMs(-1))).field());
    assertEquals("outageForMs", assertThrows(Rejection.class,
        () -> controls.update(SettingsChange.none().withOutageForMs(1_000))).field(), "needs outage: true");
  }

  @Test
  @DisplayName("a time-boxed outage ends by itself, and listeners hear about it")
  void timeBoxedOutage() {
    List<Boolean> heard = new ArrayList<>();
    controls.onChange(s -> heard.add(s.outage()));
    controls.update(SettingsChange.none().withOutage(true).withOutageMode(OutageMode.REFUSE).withOutageForMs(5_000));
    assertTrue(controls.settings().refusing(clock.instant()));
    clock.now = clock.now.plus(Duration.ofMillis(4_999));
    assertTrue(controls.settings().outage());
    clock.now = clock.now.plus(Duration.ofMillis(1));
    assertFalse(controls.settings().outage());
    assertEquals(List.of(true, false), heard);
    assertEquals(OutageMode.REFUSE, controls.settings().outageMode(), "the mode is kept for the next outage");
  }

  @Test
  @DisplayName("switching an outage on without a time box makes it open-ended")
  void openEndedOutage() {
    controls.update(SettingsChange.none().withOutage(true).withOutageForMs(1_000));
    controls.setOutage(true);
    clock.now = clock.now.plus(Duration.ofHours(2));
    assertTrue(controls.settings().outageActive(clock.instant()));
    assertFalse(controls.setOutage(false).outage());
  }
}
