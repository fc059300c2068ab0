package dev.kow.serde;

import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;

/**
 * How a subject name is derived, as Confluent's {@code *.subject.name.strategy} classes
 * do.
 */
public enum SubjectNameStrategy {

	/** {@code <topic>-key} / {@code <topic>-value} (Confluent's default). */
	TOPIC_NAME,
	/** The record's full name. */
	RECORD_NAME,
	/** {@code <topic>-<record full name>}. */
	TOPIC_RECORD_NAME;

	/**
	 * The subject for a record.
	 * @param topic the topic
	 * @param isKey whether this is the key side
	 * @param schema the record schema
	 * @return the subject name
	 */
	public String subject(String topic, boolean isKey, Schema schema) {
		return switch (this) {
			case TOPIC_NAME -> topic + (isKey ? "-key" : "-value");
			case RECORD_NAME -> schema.getFullName();
			case TOPIC_RECORD_NAME -> topic + "-" + schema.getFullName();
		};
	}

	static SubjectNameStrategy parse(String key, Object value, boolean isKey) {
		if (value == null) {
			return TOPIC_NAME;
		}
		String name = value instanceof Class<?> type ? type.getSimpleName() : value.toString();
		name = name.substring(name.lastIndexOf('.') + 1);
		return switch (name) {
			case "TopicNameStrategy" -> TOPIC_NAME;
			case "RecordNameStrategy" -> RECORD_NAME;
			case "TopicRecordNameStrategy" -> TOPIC_RECORD_NAME;
			default -> throw new ConfigException(key, value,
					"must be TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy");
		};
	}

}
