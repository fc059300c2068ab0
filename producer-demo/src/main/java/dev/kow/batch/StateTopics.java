package dev.kow.batch;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

/**
 * Reads the compacted state topics (batch records, batch counts) the way a key-value
 * lookup would: one key's latest value from the one partition the default partitioner
 * puts it in (murmur2 of the key), the recent tail first, so a lookup reads a few
 * thousand records at most however many results the cluster holds.
 */
final class StateTopics {

	/** Records read from the end of a partition before reading it from the start. */
	private static final long TAIL = 5_000;

	private StateTopics() {
	}

	/**
	 * @param reader a consumer without a group
	 * @param topic a compacted topic
	 * @param key a key
	 * @return the key's latest value, empty when it has none or its latest is a tombstone
	 * @throws IllegalStateException when the topic does not exist
	 */
	static Optional<byte[]> latest(KafkaConsumer<String, byte[]> reader, String topic, String key) {
		int partitions = TopicReads.existing(reader, topic).size();
		int partition = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
		TopicPartition tp = new TopicPartition(topic, partition);
		long begin = reader.beginningOffsets(List.of(tp)).getOrDefault(tp, 0L);
		long end = reader.endOffsets(List.of(tp)).getOrDefault(tp, 0L);
		long tailStart = Math.max(begin, end - TAIL);
		Map<String, byte[]> found = new HashMap<>();
		boolean seen = scan(reader, tp, tailStart, end, key, found);
		if (!seen && tailStart > begin) {
			scan(reader, tp, begin, tailStart, key, found);
		}
		return Optional.ofNullable(found.get(key));
	}

	/**
	 * @param reader a consumer without a group
	 * @param topic a compacted topic
	 * @return every key's latest value, tombstones left out, in the order last written;
	 * empty when the topic does not exist
	 */
	static Map<String, byte[]> all(KafkaConsumer<String, byte[]> reader, String topic) {
		Map<String, byte[]> latest = new LinkedHashMap<>();
		TopicReads.each(reader, topic, null, record -> {
			latest.remove(record.key());
			if (record.value() != null) {
				latest.put(record.key(), record.value());
			}
		});
		return latest;
	}

	/**
	 * @return whether a record of the key was seen; its latest value (or its absence) is
	 * in {@code found}
	 */
	private static boolean scan(KafkaConsumer<String, byte[]> reader, TopicPartition tp, long from, long to, String key,
			Map<String, byte[]> found) {
		boolean[] seen = { false };
		TopicReads.range(reader, tp, from, to, record -> {
			if (key.equals(record.key())) {
				seen[0] = true;
				if (record.value() == null) {
					found.remove(key);
				}
				else {
					found.put(key, record.value());
				}
			}
		});
		return seen[0];
	}

}
