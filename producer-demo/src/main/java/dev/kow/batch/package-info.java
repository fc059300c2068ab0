/**
 * The batch workflow's command line: batch files in, batch objects and OpenAI Batch
 * output files out.
 */
package dev.kow.batch;
