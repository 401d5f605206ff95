package org.loyaltyengine.ingest;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * How far a batch has come: its items counted by status, and the failed ones with their errors.
 *
 * @param lastProcessedAt when the last of its items was settled so far, or null
 */
public record BatchProgress(String batchId, Instant acceptedAt, int items, Map<ItemStatus, Long> counts,
                            Instant lastProcessedAt, List<ItemError> errors) {

  public BatchProgress {
    counts = Map.copyOf(counts);
    errors = List.copyOf(errors);
  }

  /** A failed item: its index in the batch, its id, and why. */
  public record ItemError(int index, ItemKind kind, String itemId, String code, String message, String field) {}

  public long count(ItemStatus status) {
    return counts.getOrDefault(status, 0L);
  }

  /** {@code accepted} while no item is settled, {@code processing} while some are, {@code done} after. */
  public String status() {
    long pending = count(ItemStatus.PENDING);
    return pending == 0 ? "done" : pending == items ? "accepted" : "processing";
  }

  /** When the last item was settled, once none is pending. */
  public Instant finishedAt() {
    return count(ItemStatus.PENDING) == 0 ? lastProcessedAt : null;
  }
}
