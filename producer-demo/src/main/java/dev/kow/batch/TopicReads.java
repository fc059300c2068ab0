package dev.kow.batch;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * How the commands read topics: with assigned partitions (no consumer group, nothing
 * committed), each partition from a start offset to its end offset as it was when the
 * read began.
 */
final class TopicReads {

	private TopicReads() {
	}

	/**
	 * @param reader a consumer without a group
	 * @param topic a topic
	 * @return its partitions; empty when it does not exist
	 */
	static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> reader, String topic) {
		List<PartitionInfo> infos = reader.partitionsFor(topic, Duration.ofSeconds(30));
		return (infos == null) ? List.of()
				: infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
	}

	/**
	 * @return its partitions
	 * @throws IllegalStateException when the topic does not exist
	 */
	static List<TopicPartition> existing(KafkaConsumer<String, byte[]> reader, String topic) {
		List<TopicPartition> partitions = partitions(reader, topic);
		if (partitions.isEmpty()) {
			throw new IllegalStateException("topic '" + topic + "' does not exist");
		}
		return partitions;
	}

	/**
	 * @return per partition, its end offset now
	 * @throws IllegalStateException when the topic does not exist
	 */
	static Map<Integer, Long> endOffsets(KafkaConsumer<String, byte[]> reader, String topic) {
		Map<Integer, Long> end = new HashMap<>();
		reader.endOffsets(existing(reader, topic), Duration.ofSeconds(30))
			.forEach((tp, offset) -> end.put(tp.partition(), offset));
		return end;
	}

	/**
	 * Every record of every partition of a topic (none when it does not exist), partition
	 * by partition in offset order.
	 * @param from per partition, where to start; null, or a partition left out: its
	 * beginning
	 * @param each gets each record
	 */
	static void each(KafkaConsumer<String, byte[]> reader, String topic, @Nullable Map<Integer, Long> from,
			Consumer<ConsumerRecord<String, byte[]>> each) {
		List<TopicPartition> partitions = partitions(reader, topic);
		Map<TopicPartition, Long> begin = reader.beginningOffsets(partitions, Duration.ofSeconds(30));
		Map<TopicPartition, Long> end = reader.endOffsets(partitions, Duration.ofSeconds(30));
		for (TopicPartition tp : partitions) {
			long start = Math.max(begin.getOrDefault(tp, 0L),
					(from == null) ? 0L : from.getOrDefault(tp.partition(), 0L));
			range(reader, tp, start, end.getOrDefault(tp, 0L), each);
		}
	}

	/**
	 * The records of one batch on an outcome topic (results, dead letters): from the
	 * offsets recorded when the batch was submitted, only keys (request ids) with the
	 * batch's prefix, so other batches' records are skipped without being decoded.
	 */
	static void batch(KafkaConsumer<String, byte[]> reader, String topic, Map<Integer, Long> from, String keyPrefix,
			Consumer<ConsumerRecord<String, byte[]>> each) {
		each(reader, topic, from, record -> {
			if (record.key() != null && record.key().startsWith(keyPrefix)) {
				each.accept(record);
			}
		});
	}

	/** The records of one partition from {@code from} (inclusive) to {@code to}. */
	static void range(KafkaConsumer<String, byte[]> reader, TopicPartition tp, long from, long to,
			Consumer<ConsumerRecord<String, byte[]>> each) {
		if (from >= to) {
			return;
		}
		reader.assign(List.of(tp));
		reader.seek(tp, from);
		while (reader.position(tp) < to) {
			for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(500))) {
				if (record.offset() < to) {
					each.accept(record);
				}
			}
		}
	}

}
