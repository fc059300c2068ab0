package dev.kow.batch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.kow.worker.outcome.DeadLetterHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jspecify.annotations.Nullable;

/**
 * One dead letter as the worker wrote it: the original key, value and headers byte for
 * byte, and the headers the worker appended ({@link DeadLetterHeaders}).
 *
 * @param record the dead letter
 */
record DeadLetter(ConsumerRecord<String, byte[]> record) {

	/**
	 * @return why: the {@code kow-reason} header (an error category)
	 */
	String reason() {
		return text(DeadLetterHeaders.REASON, "UNKNOWN");
	}

	/**
	 * @return the topic the original record was on
	 */
	String originalTopic() {
		return text(DeadLetterHeaders.ORIGINAL_TOPIC, "");
	}

	/**
	 * @return when the dead letter was written
	 */
	Instant at() {
		return Instant.ofEpochMilli(this.record.timestamp());
	}

	/**
	 * @return the original headers, without the ones the worker appended
	 */
	RecordHeaders originalHeaders() {
		RecordHeaders headers = new RecordHeaders();
		for (Header header : this.record.headers()) {
			if (!header.key().startsWith("kafka_dlt-") && !header.key().startsWith("kow-")) {
				headers.add(header);
			}
		}
		return headers;
	}

	/**
	 * @return a summary line: where it is, why, and where the original was (never the
	 * value)
	 */
	Map<String, Object> toJson() {
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("topic", this.record.topic());
		json.put("partition", this.record.partition());
		json.put("offset", this.record.offset());
		json.put("at", at().toString());
		json.put("reason", reason());
		json.put("message", text(DeadLetterHeaders.EXCEPTION_MESSAGE, ""));
		json.put("key", this.record.key());
		json.put("original_topic", originalTopic());
		json.put("original_partition", number(DeadLetterHeaders.ORIGINAL_PARTITION));
		json.put("original_offset", number(DeadLetterHeaders.ORIGINAL_OFFSET));
		json.put("attempts", text(DeadLetterHeaders.ATTEMPTS, "0"));
		json.put("worker", text(DeadLetterHeaders.WORKER, ""));
		return json;
	}

	private String text(String key, String otherwise) {
		Header header = this.record.headers().lastHeader(key);
		return (header == null || header.value() == null) ? otherwise
				: new String(header.value(), StandardCharsets.UTF_8);
	}

	private @Nullable Long number(String key) {
		Header header = this.record.headers().lastHeader(key);
		if (header == null || header.value() == null) {
			return null;
		}
		ByteBuffer value = ByteBuffer.wrap(header.value());
		return (header.value().length == 4) ? value.getInt() : (header.value().length == 8) ? value.getLong() : null;
	}

}
