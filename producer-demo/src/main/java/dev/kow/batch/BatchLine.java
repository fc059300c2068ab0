package dev.kow.batch;

import dev.kow.avro.InferenceRequest;

/**
 * One valid line of a batch file.
 *
 * @param number its line number in the file, from 1
 * @param customId its {@code custom_id}, unique within the batch
 * @param endpoint the endpoint it names
 * @param request the request, without id, batch id, deadline or creation time (set when
 * the batch is submitted)
 */
public record BatchLine(int number, String customId, BatchEndpoint endpoint, InferenceRequest.Builder request) {
}
