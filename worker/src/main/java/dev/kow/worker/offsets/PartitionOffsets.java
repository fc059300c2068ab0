package dev.kow.worker.offsets;

import java.util.TreeSet;

import org.apache.kafka.common.TopicPartition;

/**
 * Out-of-order completion tracking for one partition during one assignment (its epoch: a
 * new assignment gets a new instance, so a late completion from a previous one cannot
 * move this one).
 *
 * <p>
 * Records are {@linkplain #register registered} in offset order as they are read and
 * {@linkplain #complete completed} in any order once their outcome is acknowledged by the
 * broker. The committable offset follows Kafka's convention, <b>the next offset to
 * read</b>: the lowest offset still pending, or the highest registered offset + 1 when
 * none is. Offsets never registered (gaps from compaction or transaction markers) never
 * block it.
 *
 * <p>
 * Not thread-safe: only the intake thread touches it.
 */
public final class PartitionOffsets {

	private final TopicPartition partition;

	private final TreeSet<Long> pending = new TreeSet<>();

	private long nextToRead = -1;

	private long committed = -1;

	private boolean revoked;

	/**
	 * @param partition the partition tracked
	 */
	public PartitionOffsets(TopicPartition partition) {
		this.partition = partition;
	}

	/**
	 * @return the partition
	 */
	public TopicPartition partition() {
		return this.partition;
	}

	/**
	 * Records that an offset was read and is now in progress.
	 * @param offset the record's offset, greater than any registered before
	 * @throws IllegalArgumentException when offsets go backwards
	 */
	public void register(long offset) {
		if (offset < this.nextToRead) {
			throw new IllegalArgumentException(
					this.partition + ": offset " + offset + " registered after " + (this.nextToRead - 1));
		}
		this.pending.add(offset);
		this.nextToRead = offset + 1;
	}

	/**
	 * Marks an offset done (its outcome is acknowledged). Unknown offsets are ignored.
	 * @param offset the offset
	 */
	public void complete(long offset) {
		this.pending.remove(offset);
	}

	/**
	 * @return records read and not yet completed
	 */
	public int pendingCount() {
		return this.pending.size();
	}

	/**
	 * @return the offset to commit (next to read), or -1 when nothing was read yet
	 */
	public long committable() {
		if (this.nextToRead < 0) {
			return -1;
		}
		return this.pending.isEmpty() ? this.nextToRead : this.pending.first();
	}

	/**
	 * @return true when {@link #committable()} moved past the last {@link #markCommitted}
	 */
	public boolean hasNewCommit() {
		return committable() > this.committed;
	}

	/**
	 * @param offset the offset just committed
	 */
	public void markCommitted(long offset) {
		this.committed = Math.max(this.committed, offset);
	}

	/** Ends this epoch; later completions are for a partition no longer owned. */
	public void revoke() {
		this.revoked = true;
	}

	/**
	 * @return whether the partition was revoked
	 */
	public boolean revoked() {
		return this.revoked;
	}

}
