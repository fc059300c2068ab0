package dev.kow.serde;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads values in the Confluent wire format. The writer schema comes from the registry by
 * the id in the header (cached forever); with {@code specific.avro.reader=true} the
 * generated class named by the writer schema is returned, resolved against that class's
 * schema (so an older or newer writer works under BACKWARD/FORWARD compatibility);
 * otherwise a {@code GenericRecord}.
 *
 * <p>
 * Failures are {@link WireFormatException}s whose {@link WireFormatException.Reason}
 * tells a poison record (MALFORMED, UNKNOWN_SCHEMA_ID, SCHEMA_MISMATCH) from a registry
 * outage (REGISTRY_UNAVAILABLE). {@code null} input returns {@code null}. Thread-safe.
 */
public class KafkaAvroDeserializer implements Deserializer<Object> {

	private AvroSerdeConfig config;

	private SchemaRegistryClient registry;

	private final Map<Integer, DatumReader<Object>> readers = new ConcurrentHashMap<>();

	/** For Kafka's reflective construction; call {@link #configure} before use. */
	public KafkaAvroDeserializer() {
	}

	/**
	 * A ready deserializer on a given registry client.
	 * @param registry the registry
	 * @param configs Confluent-named settings (the URL is not used)
	 * @param isKey whether this deserializes keys
	 */
	public KafkaAvroDeserializer(SchemaRegistryClient registry, Map<String, ?> configs, boolean isKey) {
		this.config = AvroSerdeConfig.from(configs, isKey);
		this.registry = registry;
	}

	@Override
	public void configure(Map<String, ?> configs, boolean isKey) {
		this.config = AvroSerdeConfig.from(configs, isKey);
		this.registry = this.config.newClient();
	}

	@Override
	public Object deserialize(String topic, byte[] data) {
		if (data == null) {
			return null;
		}
		int id = WireFormat.schemaId(data);
		DatumReader<Object> reader = this.readers.get(id);
		if (reader == null) {
			reader = newReader(id);
			this.readers.put(id, reader);
		}
		try {
			BinaryDecoder decoder = DecoderFactory.get()
				.binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, null);
			Object value = reader.read(null, decoder);
			if (!decoder.isEnd()) {
				throw new WireFormatException(WireFormatException.Reason.MALFORMED, id,
						"trailing bytes after the Avro body of schema id " + id);
			}
			return value;
		}
		catch (WireFormatException ex) {
			throw ex;
		}
		catch (AvroTypeException ex) {
			throw new WireFormatException(WireFormatException.Reason.SCHEMA_MISMATCH, id,
					"schema id " + id + " cannot be read as the reader schema: " + ex.getMessage(), ex);
		}
		catch (Exception ex) {
			throw new WireFormatException(WireFormatException.Reason.MALFORMED, id,
					"Avro body does not match schema id " + id + ": " + ex, ex);
		}
	}

	@SuppressWarnings("unchecked")
	private DatumReader<Object> newReader(int id) {
		Schema writer;
		try {
			writer = this.registry.byId(id);
		}
		catch (SchemaRegistryException ex) {
			if (ex.isNotFound()) {
				throw new WireFormatException(WireFormatException.Reason.UNKNOWN_SCHEMA_ID, id,
						"schema id " + id + " is unknown to the registry", ex);
			}
			throw new WireFormatException(WireFormatException.Reason.REGISTRY_UNAVAILABLE, id,
					"could not fetch schema id " + id + ": " + ex.getMessage(), ex);
		}
		if (!this.config.specificReader()) {
			return new GenericDatumReader<>(writer);
		}
		Class<?> type = SpecificData.get().getClass(writer);
		if (type == null) {
			return new GenericDatumReader<>(writer);
		}
		SpecificData model = SpecificData.getForClass(type);
		Schema reader = model.getSchema(type);
		try {
			org.apache.avro.io.ResolvingDecoder.resolve(writer, reader);
		}
		catch (Exception ex) {
			throw new WireFormatException(WireFormatException.Reason.SCHEMA_MISMATCH, id,
					"schema id " + id + " is not compatible with " + type.getName() + ": " + ex.getMessage(), ex);
		}
		return (DatumReader<Object>) (DatumReader<?>) new SpecificDatumReader<>(writer, reader, model);
	}

}
