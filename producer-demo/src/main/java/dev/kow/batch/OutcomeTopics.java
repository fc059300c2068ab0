package dev.kow.batch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a batch's records from an outcome topic (results, dead letters): every partition
 * from the offset recorded when the batch was submitted to its end now, keeping only the
 * records whose key (the request id) has the batch's prefix, so other batches' records
 * are skipped without being decoded.
 */
final class OutcomeTopics {

	private OutcomeTopics() {
	}

	/**
	 * @param reader a consumer without a group
	 * @param topic the topic
	 * @param from per partition, where the batch's records start (0 when absent)
	 * @param keyPrefix the batch's request-id prefix
	 * @param each gets each of the batch's records, partition by partition in offset
	 * order
	 */
	static void read(KafkaConsumer<String, byte[]> reader, String topic, Map<Integer, Long> from, String keyPrefix,
			Consumer<ConsumerRecord<String, byte[]>> each) {
		List<PartitionInfo> infos = reader.partitionsFor(topic, Duration.ofSeconds(30));
		List<TopicPartition> partitions = new ArrayList<>();
		if (infos != null) {
			infos.forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
		}
		Map<TopicPartition, Long> end = reader.endOffsets(partitions, Duration.ofSeconds(30));
		for (TopicPartition tp : partitions) {
			long to = end.getOrDefault(tp, 0L);
			if (from.getOrDefault(tp.partition(), 0L) >= to) {
				continue;
			}
			reader.assign(List.of(tp));
			reader.seek(tp, from.getOrDefault(tp.partition(), 0L));
			while (reader.position(tp) < to) {
				for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(500))) {
					if (record.offset() < to && record.key() != null && record.key().startsWith(keyPrefix)) {
						each.accept(record);
					}
				}
			}
		}
	}

}
