package org.loyaltyengine.fulfillment.sim;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The live settings of one simulator, shared by its HTTP handlers and the test that drives it. Safe to use
 * from any thread. A time-boxed outage is switched off the first time the settings are read after its end.
 */
public final class SimControls {
  private static final int MAX_LISTENERS = 8;

  private final Clock clock;
  private final List<Consumer<SimSettings>> listeners = new CopyOnWriteArrayList<>();
  private volatile SimSettings current;

  public SimControls(SimSettings initial, Clock clock) {
    this.current = initial;
    this.clock = clock;
  }

  /** The settings now in force. */
  public SimSettings settings() {
    SimSettings s = current;
    if (s.outage() && !s.outageActive(clock.instant())) {
      return endExpiredOutage();
    }
    return s;
  }

  /** Applies a partial update; throws a Rejection naming the field when a value is out of range. */
  public SimSettings update(SettingsChange change) {
    SimSettings next;
    synchronized (this) {
      next = change.applyTo(settings(), clock.instant());
      current = next;
    }
    notifyListeners(next);
    return next;
  }

  /** Replaces every setting, e.g. back to {@link SimSettings#defaults()} between tests. */
  public SimSettings replace(SimSettings settings) {
    synchronized (this) {
      current = settings;
    }
    notifyListeners(settings);
    return settings;
  }

  public SimSettings setLatencyMs(long ms) {
    return update(SettingsChange.none().withLatencyMs(ms));
  }

  public SimSettings setErrorRate(double rate) {
    return update(SettingsChange.none().withErrorRate(rate));
  }

  public SimSettings setPermanentErrorRate(double rate) {
    return update(SettingsChange.none().withPermanentErrorRate(rate));
  }

  public SimSettings setTimeoutRate(double rate) {
    return update(SettingsChange.none().withTimeoutRate(rate));
  }

  /** Starts or ends an open-ended outage in the current outage mode. */
  public SimSettings setOutage(boolean on) {
    return update(SettingsChange.none().withOutage(on));
  }

  public Instant now() {
    return clock.instant();
  }

  /** Called after every change, on the changing thread; the listener must not block. */
  void onChange(Consumer<SimSettings> listener) {
    if (listeners.size() >= MAX_LISTENERS) {
      throw new IllegalStateException("at most " + MAX_LISTENERS + " listeners");
    }
    listeners.add(listener);
  }

  void removeListener(Consumer<SimSettings> listener) {
    listeners.remove(listener);
  }

  private SimSettings endExpiredOutage() {
    SimSettings next;
    synchronized (this) {
      SimSettings s = current;
      if (!s.outage() || s.outageActive(clock.instant())) {
        return s; // another thread got here first, or the outage was renewed
      }
      next = s.withOutage(false, s.outageMode(), java.util.Optional.empty());
      current = next;
    }
    notifyListeners(next);
    return next;
  }

  private void notifyListeners(SimSettings s) {
    for (Consumer<SimSettings> l : listeners) {
      l.accept(s);
    }
  }
}
