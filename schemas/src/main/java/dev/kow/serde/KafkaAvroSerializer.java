package dev.kow.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records ({@link IndexedRecord}: generated classes or {@code GenericRecord})
 * in the Confluent wire format. Configured with {@link AvroSerdeConfig}'s (Confluent's)
 * keys.
 *
 * <p>
 * Schema choice: with {@code auto.register.schemas=true} the record's own schema is
 * registered under the subject; with {@code use.latest.version=true} the subject's latest
 * schema is used (the record is written with it, so it must be compatible); otherwise the
 * record's schema must already be registered. {@code null} serializes to {@code null} (a
 * tombstone), as Confluent's does.
 *
 * <p>
 * Thread-safe.
 */
public class KafkaAvroSerializer implements Serializer<Object> {

	private AvroSerdeConfig config;

	private SchemaRegistryClient registry;

	private boolean isKey;

	/**
	 * Schema ids by subject and schema; Avro schemas cache their hash, so this costs no
	 * rendering.
	 */
	private final Map<String, Map<Schema, Integer>> ids = new ConcurrentHashMap<>();

	/**
	 * Datum writers by writer schema and data model: building one resolves the schema, so
	 * it is done once, as Confluent's serializer does (writers keep no state between
	 * writes).
	 */
	private final Map<WriterKey, GenericDatumWriter<IndexedRecord>> writers = new ConcurrentHashMap<>();

	/** For Kafka's reflective construction; call {@link #configure} before use. */
	public KafkaAvroSerializer() {
	}

	/**
	 * A ready serializer on a given registry client.
	 * @param registry the registry
	 * @param configs Confluent-named settings (the URL is not used)
	 * @param isKey whether this serializes keys
	 */
	public KafkaAvroSerializer(SchemaRegistryClient registry, Map<String, ?> configs, boolean isKey) {
		this.config = AvroSerdeConfig.from(configs, isKey);
		this.registry = registry;
		this.isKey = isKey;
	}

	@Override
	public void configure(Map<String, ?> configs, boolean isKey) {
		this.config = AvroSerdeConfig.from(configs, isKey);
		this.registry = this.config.newClient();
		this.isKey = isKey;
	}

	@Override
	public byte[] serialize(String topic, Object data) {
		if (data == null) {
			return null;
		}
		if (!(data instanceof IndexedRecord record)) {
			throw new SerializationException("only Avro records are supported, got " + data.getClass().getName());
		}
		Schema schema = record.getSchema();
		String subject = this.config.subjectStrategy().subject(topic, this.isKey, schema);
		Schema writerSchema = schema;
		int id;
		if (this.config.autoRegister()) {
			id = this.ids.computeIfAbsent(subject, s -> new ConcurrentHashMap<>())
				.computeIfAbsent(schema, s -> this.registry.register(subject, s));
		}
		else if (this.config.useLatestVersion()) {
			RegisteredSchema latest = this.registry.latest(subject);
			id = latest.id();
			writerSchema = latest.schema();
		}
		else {
			id = this.ids.computeIfAbsent(subject, s -> new ConcurrentHashMap<>())
				.computeIfAbsent(schema, s -> this.registry.idOf(subject, s));
		}
		try {
			ByteArrayOutputStream out = new ByteArrayOutputStream(256);
			out.write(WireFormat.header(id));
			BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
			GenericData model = record instanceof SpecificRecordBase specific ? specific.getSpecificData()
					: GenericData.get();
			this.writers
				.computeIfAbsent(new WriterKey(writerSchema, model),
						key -> new GenericDatumWriter<>(key.schema(), key.model()))
				.write(record, encoder);
			encoder.flush();
			return out.toByteArray();
		}
		catch (IOException | RuntimeException ex) {
			throw new SerializationException("could not write " + schema.getFullName() + " for topic " + topic, ex);
		}
	}

	private record WriterKey(Schema schema, GenericData model) {
	}

}
