package dev.kow.worker.batches;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Kafka serde of a record type as JSON (Jackson).
 *
 * @param <T> the record type
 */
public final class JsonSerde<T> implements Serde<T> {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final Class<T> type;

	/**
	 * @param type the record type
	 */
	public JsonSerde(Class<T> type) {
		this.type = type;
	}

	@Override
	public Serializer<T> serializer() {
		return (topic, value) -> (value == null) ? null : JSON.writeValueAsBytes(value);
	}

	@Override
	public Deserializer<T> deserializer() {
		return this::read;
	}

	private @Nullable T read(String topic, byte @Nullable [] bytes) {
		if (bytes == null) {
			return null;
		}
		try {
			return JSON.readValue(bytes, this.type);
		}
		catch (JacksonException ex) {
			throw new SerializationException("not a " + this.type.getSimpleName() + " on " + topic, ex);
		}
	}

}
