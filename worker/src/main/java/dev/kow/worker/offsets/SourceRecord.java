package dev.kow.worker.offsets;

import org.apache.kafka.common.TopicPartition;

/**
 * Where a job came from, with the assignment epoch it was read under.
 *
 * @param partition topic and partition
 * @param offset the record's offset
 * @param tracker the tracker of the assignment that read it; completions for an older
 * assignment are ignored
 */
public record SourceRecord(TopicPartition partition, long offset, PartitionOffsets tracker) {

	/**
	 * @return {@code topic-partition@offset}, the form used in logs (never the payload)
	 */
	@Override
	public String toString() {
		return this.partition + "@" + this.offset;
	}
}
