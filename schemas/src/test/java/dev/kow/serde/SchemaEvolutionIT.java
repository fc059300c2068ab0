package dev.kow.serde;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.kow.avro.ChatMessage;
import dev.kow.avro.ErrorCategory;
import dev.kow.avro.ErrorInfo;
import dev.kow.avro.GenerationOptions;
import dev.kow.avro.InferenceRequest;
import dev.kow.avro.InferenceResult;
import dev.kow.avro.Mode;
import dev.kow.avro.Status;
import dev.kow.testkit.ApicurioRegistry;
import dev.kow.testkit.SharedFixtures;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batch fields ({@code batch_id}, {@code custom_id}) and the cancelled outcome
 * against the schemas as they were before them ({@code src/test/resources/schemas-v1},
 * copied from commit d8f537f): the real registry accepts the new versions under its
 * BACKWARD compatibility, Avro finds both directions compatible, and a reader built from
 * the old schemas decodes a cancelled result (status {@code FAILED}, its
 * {@code CANCELLED} category read as the old enum's default {@code UNKNOWN}).
 */
@ExtendWith(SharedFixtures.class)
class SchemaEvolutionIT {

	/**
	 * The schema as it was; the result's refers to {@code Mode}, defined by the
	 * request's.
	 */
	private static Schema v1(String name) throws IOException {
		Schema.Parser parser = new Schema.Parser();
		parser.parse(ChatMessage.getClassSchema().toString());
		parser.parse(GenerationOptions.getClassSchema().toString());
		Schema request = parse(parser, "InferenceRequest");
		return name.equals("InferenceRequest") ? request : parse(parser, name);
	}

	private static Schema parse(Schema.Parser parser, String name) throws IOException {
		try (InputStream in = SchemaEvolutionIT.class.getResourceAsStream("/schemas-v1/" + name + ".avsc")) {
			return parser.parse(in);
		}
	}

	@Test
	void theRegistryAcceptsTheBatchFieldsUnderBackwardCompatibility(ApicurioRegistry registry) throws IOException {
		RestSchemaRegistryClient client = new RestSchemaRegistryClient(List.of(URI.create(registry.confluentUrl())),
				null, Duration.ofSeconds(5));
		String requests = "evolution-" + UUID.randomUUID() + "-value";
		String results = "evolution-" + UUID.randomUUID() + "-value";
		int oldRequest = client.register(requests, v1("InferenceRequest"));
		int oldResult = client.register(results, v1("InferenceResult"));

		assertThat(client.register(requests, InferenceRequest.getClassSchema())).isNotEqualTo(oldRequest);
		assertThat(client.register(results, InferenceResult.getClassSchema())).isNotEqualTo(oldResult);
	}

	@Test
	void oldReadersReadNewRecordsAndNewReadersReadOldOnes() throws IOException {
		for (String name : List.of("InferenceRequest", "InferenceResult")) {
			Schema old = v1(name);
			Schema current = name.equals("InferenceRequest") ? InferenceRequest.getClassSchema()
					: InferenceResult.getClassSchema();
			assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, old).getType())
				.as(name + ": new reader, old writer (BACKWARD)")
				.isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
			assertThat(SchemaCompatibility.checkReaderWriterCompatibility(old, current).getType())
				.as(name + ": old reader, new writer (FORWARD)")
				.isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
		}
	}

	@Test
	void aReaderBuiltFromTodaysSchemaDecodesACancelledResult() throws IOException {
		InferenceResult cancelled = InferenceResult.newBuilder()
			.setRequestId("r1")
			.setStatus(Status.FAILED)
			.setError(ErrorInfo.newBuilder().setCategory(ErrorCategory.CANCELLED).setMessage("batch cancelled").build())
			.setModel("m")
			.setMode(Mode.CHAT)
			.setSourceTopic("t")
			.setAttempts(0)
			.setQueueWaitMs(0)
			.setRequestCreatedAt(Instant.EPOCH)
			.setStartedAt(Instant.EPOCH)
			.setFinishedAt(Instant.EPOCH)
			.setBatchId("batch_1")
			.setCustomId("line-7")
			.build();
		byte[] bytes = cancelled.toByteBuffer().array();
		// the single-object encoding: 2 marker bytes and an 8-byte fingerprint, then the
		// record
		GenericRecord read = new GenericDatumReader<GenericRecord>(InferenceResult.getClassSchema(),
				v1("InferenceResult"))
			.read(null, DecoderFactory.get().binaryDecoder(bytes, 10, bytes.length - 10, null));

		assertThat(read.get("status")).hasToString("FAILED");
		assertThat(((GenericRecord) read.get("error")).get("category")).hasToString("UNKNOWN");
		assertThat(read.getSchema().getField("batch_id")).as("the old reader does not know the field").isNull();
	}

}
