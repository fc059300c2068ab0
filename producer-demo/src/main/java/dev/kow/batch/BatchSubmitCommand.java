package dev.kow.batch;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

import dev.kow.avro.InferenceRequest;
import dev.kow.serde.KafkaAvroSerializer;
import dev.kow.worker.batches.BatchCounts;
import dev.kow.worker.batches.BatchRecord;
import dev.kow.worker.topics.CompactedTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code batch submit}: validates a batch file, then sends every line to a lane topic and
 * prints the batch object. Nothing is sent while any line is invalid (unless
 * {@code --skip-invalid}); every send is acknowledged by all in-sync replicas, or the
 * command exits 1 naming how many lines were not sent (and the batch shows as
 * {@code failed}).
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
		description = "Submit a batch file (OpenAI Batch JSONL, Ollama-native or {\"prompt\"} lines); prints the "
				+ "batch object.")
public final class BatchSubmitCommand implements Callable<Integer> {

	@Mixin
	ClusterOptions cluster = new ClusterOptions();

	@Mixin
	BatchTopicOptions topics = new BatchTopicOptions();

	@Option(names = "--input", required = true, paramLabel = "FILE", description = "The batch file (JSONL).")
	Path input = Path.of("batch.jsonl");

	@Option(names = "--priority", defaultValue = "batch",
			description = "high, normal or batch: the lane topic (default ${DEFAULT-VALUE}).")
	String priority = "batch";

	@Option(names = "--completion-window", defaultValue = "24h",
			description = "Every line's deadline after submission; lines not done by then expire (default "
					+ "${DEFAULT-VALUE}).")
	Duration completionWindow = Duration.ofHours(24);

	@Option(names = "--metadata", paramLabel = "KEY=VALUE", description = "Stored with the batch (repeatable).")
	Map<String, String> metadata = new LinkedHashMap<>();

	@Option(names = "--model", defaultValue = "llama3.1:8b",
			description = "The model of {\"prompt\"} lines (default ${DEFAULT-VALUE}).")
	String model = "llama3.1:8b";

	@Option(names = "--num-predict", defaultValue = "256",
			description = "num_predict of {\"prompt\"} lines; 0 sends none (default ${DEFAULT-VALUE}).")
	int numPredict = 256;

	@Option(names = "--skip-invalid", description = "Submit the valid lines even when some are invalid.")
	boolean skipInvalid;

	@Option(names = "--trace", defaultValue = "sampled",
			description = "W3C traceparent header on each line's record, a trace per line: sampled (the workers "
					+ "record it), unsampled (they pass it on only) or none (default ${DEFAULT-VALUE}).")
	Trace trace = Trace.SAMPLED;

	/** What {@code --trace} puts on each record. */
	enum Trace {

		/**
		 * A traceparent with the sampled flag: the workers' parent-based sampler records
		 * it.
		 */
		SAMPLED,
		/**
		 * A traceparent without it: propagated, recorded only at the workers' own ratio.
		 */
		UNSAMPLED,
		/** No header. */
		NONE

	}

	@Option(names = "--parent", hidden = true, description = "The batch this one retries (set by batch retry).")
	@Nullable String parent;

	@Override
	public Integer call() throws Exception {
		BatchInput batch = BatchInput.read(this.input, this.model, this.numPredict);
		batch.errors().forEach(error -> System.err.println(this.input + ": " + error));
		if (batch.lines().isEmpty() || (!batch.errors().isEmpty() && !this.skipInvalid)) {
			System.err.printf("nothing submitted: %d invalid and %d valid line(s)%s%n", batch.errors().size(),
					batch.lines().size(), batch.lines().isEmpty() ? "" : " (--skip-invalid submits the valid ones)");
			return 2;
		}
		return submit(batch.lines(), batch.endpoint(), this.input.getFileName().toString());
	}

	/**
	 * Sends lines as one batch and prints it.
	 * @return 0, or 1 when some lines were not sent
	 */
	int submit(List<BatchLine> lines, String endpoint, String inputFile) throws Exception {
		String lane = laneTopic();
		long now = Instant.now().getEpochSecond();
		String id = "batch_" + HexFormat.of().formatHex(randomBytes());
		KafkaAvroSerializer serializer = this.cluster.serializer();
		try (Admin admin = this.cluster.admin();
				KafkaConsumer<String, byte[]> reader = this.cluster.reader();
				KafkaProducer<String, byte[]> producer = this.cluster.producer()) {
			CompactedTopics.ensure(admin, this.topics.batches, "--batches-topic", 3);
			BatchRecord record = new BatchRecord(id, endpoint, inputFile, format(this.completionWindow), now,
					now + this.completionWindow.toSeconds(), lines.size(), lane, id + "/",
					TopicReads.endOffsets(reader, this.topics.results),
					TopicReads.endOffsets(reader, this.topics.deadLetter), this.metadata, this.parent, null, null);
			BatchRecords.write(producer, this.topics.batches, record);
			List<String> failures = new ArrayList<>();
			for (BatchLine line : lines) {
				InferenceRequest request = request(line, record);
				try {
					ProducerRecord<String, byte[]> sent = new ProducerRecord<>(lane, request.getId(),
							serializer.serialize(lane, request));
					if (this.trace != Trace.NONE) {
						sent.headers().add("traceparent", traceparent(this.trace == Trace.SAMPLED));
					}
					producer.send(sent, (metadata, error) -> {
						if (error != null) {
							synchronized (failures) {
								failures.add("line " + line.number() + ": " + error);
							}
						}
					});
				}
				catch (RuntimeException ex) {
					synchronized (failures) {
						failures.add("line " + line.number() + ": " + ex);
					}
				}
			}
			producer.flush();
			if (!failures.isEmpty()) {
				record = record.failed(Instant.now().getEpochSecond(), lines.size() - failures.size());
				BatchRecords.write(producer, this.topics.batches, record);
				System.err.printf("%d of %d line(s) were not sent; first: %s%n", failures.size(), lines.size(),
						failures.get(0));
			}
			BatchRecords.print(new BatchView(record, BatchCounts.none(id)));
			return failures.isEmpty() ? 0 : 1;
		}
	}

	/**
	 * A new W3C trace context for one line: version 00, a random 16-byte trace id and
	 * 8-byte parent id (this submit), the sampled flag or not.
	 */
	static byte[] traceparent(boolean sampled) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		HexFormat hex = HexFormat.of();
		String header = "00-" + hex.toHexDigits(random.nextLong() | 1L) + hex.toHexDigits(random.nextLong()) + "-"
				+ hex.toHexDigits(random.nextLong() | 1L) + (sampled ? "-01" : "-00");
		return header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
	}

	private String laneTopic() {
		return switch (this.priority.toLowerCase(java.util.Locale.ROOT)) {
			case "high" -> this.topics.high;
			case "normal" -> this.topics.normal;
			case "batch" -> this.topics.batch;
			default -> throw new IllegalArgumentException("--priority must be high, normal or batch");
		};
	}

	private InferenceRequest request(BatchLine line, BatchRecord batch) {
		Map<String, String> metadata = new HashMap<>();
		metadata.put(BatchRecords.ENDPOINT, line.endpoint().url());
		return line.request()
			.setId(batch.requestIdPrefix() + line.number())
			.setBatchId(batch.id())
			.setCustomId(line.customId())
			.setDeadline(Instant.ofEpochSecond(batch.expiresAt()))
			.setMetadata(metadata)
			.setCreatedAt(Instant.ofEpochSecond(batch.createdAt()))
			.build();
	}

	private static byte[] randomBytes() {
		byte[] bytes = new byte[12];
		ThreadLocalRandom.current().nextBytes(bytes);
		return bytes;
	}

	private static String format(Duration window) {
		long seconds = window.toSeconds();
		return (seconds % 3600 == 0) ? (seconds / 3600) + "h"
				: (seconds % 60 == 0) ? (seconds / 60) + "m" : seconds + "s";
	}

}
