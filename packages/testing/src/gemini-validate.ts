/**
 * Request validation for the Gemini mock: what generativelanguage.googleapis.com (and Vertex AI's
 * generateContent) refuse, in Google's envelope `{"error":{"code","message","status"}}` and, where
 * known, Google's wording: unknown fields ("Invalid JSON payload received. Unknown name ... Cannot
 * find field."), "Please use a valid role: user, model.", "contents is not specified", "required
 * oneof field 'data' must have one initialized field", the function-turn ordering rules, and
 * "should be non-empty for OBJECT type". Sources: the Gemini API and Vertex AI REST references and
 * real error bodies quoted in public issues (see the README of this package).
 */
import { HttpError } from './http.js';

export function googleError(code: number, status: string, message: string, details?: unknown[]): HttpError {
  return new HttpError(code, { error: { code, message, status, ...(details ? { details } : {}) } });
}
export const invalidArgument = (message: string): HttpError => googleError(400, 'INVALID_ARGUMENT', message);

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Google's JSON parser accepts both the proto field name (snake_case) and its JSON name (camelCase). */
const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Checks the keys of one proto message and returns it with camelCase keys. */
function message(obj: unknown, allowed: readonly string[], path: string): Record<string, any> {
  if (!isObject(obj)) {
    throw invalidArgument(`Invalid JSON payload received. Expected an object${path ? ` at '${path}'` : ''}.`);
  }
  const ok = new Set(allowed);
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(obj)) {
    const c = camel(k);
    if (!ok.has(c)) throw invalidArgument(`Invalid JSON payload received. Unknown name "${k}"${path ? ` at '${path}'` : ''}: Cannot find field.`);
    out[c] = v;
  }
  return out;
}

const at = (path: string, field: string): string => (path ? `${path}.${snake(field)}` : snake(field));

function checkNumber(v: unknown, path: string, kind: 'TYPE_INT32' | 'TYPE_FLOAT' | 'TYPE_BOOL' | 'TYPE_STRING'): void {
  const ok = kind === 'TYPE_INT32' ? Number.isInteger(v) || (typeof v === 'string' && /^-?\d+$/.test(v))
    : kind === 'TYPE_FLOAT' ? typeof v === 'number'
    : kind === 'TYPE_BOOL' ? typeof v === 'boolean'
    : typeof v === 'string';
  if (!ok) throw invalidArgument(`Invalid value at '${path}' (${kind}), ${JSON.stringify(v)}`);
}

const REQUEST_FIELDS = ['contents', 'systemInstruction', 'tools', 'toolConfig', 'safetySettings', 'generationConfig', 'cachedContent', 'model'];
const VERTEX_EXTRA_FIELDS = ['labels'];
const CONTENT_FIELDS = ['role', 'parts'];
const PART_FIELDS = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult', 'thought', 'thoughtSignature', 'videoMetadata'];
const DATA_FIELDS = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult'];
const GENERATION_FIELDS = [
  'stopSequences', 'responseMimeType', 'responseSchema', 'responseJsonSchema', 'responseModalities', 'candidateCount',
  'maxOutputTokens', 'temperature', 'topP', 'topK', 'seed', 'presencePenalty', 'frequencyPenalty', 'responseLogprobs',
  'logprobs', 'enableEnhancedCivicAnswers', 'speechConfig', 'thinkingConfig', 'mediaResolution',
];
const SCHEMA_FIELDS = [
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'minProperties',
  'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering', 'default', 'items', 'minimum', 'maximum',
];
const SCHEMA_TYPES = ['TYPE_UNSPECIFIED', 'STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL'];
const TOOL_FIELDS = ['functionDeclarations', 'googleSearch', 'googleSearchRetrieval', 'codeExecution', 'urlContext', 'retrieval', 'enterpriseWebSearch', 'googleMaps'];
const DECLARATION_FIELDS = ['name', 'description', 'parameters', 'parametersJsonSchema', 'response', 'responseJsonSchema', 'behavior'];
const MIME_TYPES = ['text/plain', 'application/json', 'text/x.enum'];
const FUNCTION_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/;

/** Validates a Schema (OpenAPI subset); the path uses Google's style (`properties[0].value`). */
export function validateGeminiSchema(s: unknown, path: string, depth = 0): Record<string, any> {
  if (depth > 40) throw invalidArgument(`* ${path}: schema exceeds maximum allowed nesting depth.\n`);
  const schema = message(s, SCHEMA_FIELDS, path);
  if (schema.type !== undefined) {
    if (typeof schema.type !== 'string' || !SCHEMA_TYPES.includes(schema.type.toUpperCase())) {
      throw invalidArgument(`Invalid value at '${at(path, 'type')}' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), ${JSON.stringify(schema.type)}`);
    }
  }
  if (schema.type !== undefined && schema.anyOf !== undefined) throw invalidArgument(`* ${path}: type and any_of cannot be both set.\n`);
  if (schema.enum !== undefined) {
    if (!Array.isArray(schema.enum)) throw invalidArgument(`Invalid value at '${at(path, 'enum')}' (TYPE_STRING), ${JSON.stringify(schema.enum)}`);
    schema.enum.forEach((v: unknown, i: number) => checkNumber(v, `${at(path, 'enum')}[${i}]`, 'TYPE_STRING'));
    if (schema.type !== undefined && schema.type.toUpperCase() !== 'STRING') throw invalidArgument(`* ${path}: enum only allowed for STRING type\n`);
  }
  if (schema.nullable !== undefined) checkNumber(schema.nullable, at(path, 'nullable'), 'TYPE_BOOL');
  if (schema.required !== undefined) {
    if (!Array.isArray(schema.required)) throw invalidArgument(`Invalid value at '${at(path, 'required')}' (TYPE_STRING), ${JSON.stringify(schema.required)}`);
    schema.required.forEach((v: unknown, i: number) => checkNumber(v, `${at(path, 'required')}[${i}]`, 'TYPE_STRING'));
  }
  if (schema.properties !== undefined) {
    if (!isObject(schema.properties)) throw invalidArgument(`Invalid value at '${at(path, 'properties')}', ${JSON.stringify(schema.properties)}`);
    Object.entries(schema.properties).forEach(([, v], i) => validateGeminiSchema(v, `${at(path, 'properties')}[${i}].value`, depth + 1));
  }
  if (schema.items !== undefined) validateGeminiSchema(schema.items, at(path, 'items'), depth + 1);
  if (schema.anyOf !== undefined) {
    if (!Array.isArray(schema.anyOf)) throw invalidArgument(`Invalid value at '${at(path, 'anyOf')}', ${JSON.stringify(schema.anyOf)}`);
    schema.anyOf.forEach((v: unknown, i: number) => validateGeminiSchema(v, `${at(path, 'anyOf')}[${i}]`, depth + 1));
  }
  for (const k of ['minimum', 'maximum'] as const) if (schema[k] !== undefined) checkNumber(schema[k], at(path, k), 'TYPE_FLOAT');
  for (const k of ['minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties'] as const) {
    if (schema[k] !== undefined) checkNumber(schema[k], at(path, k), 'TYPE_INT32');
  }
  return schema;
}

function validatePart(p: unknown, path: string, role: string, vertex: boolean): Record<string, any> {
  const part = message(p, PART_FIELDS, path);
  // proto3: an empty string is an unset field.
  const set = DATA_FIELDS.filter((f) => part[f] !== undefined && part[f] !== null && part[f] !== '');
  if (set.length === 0) throw invalidArgument(`* GenerateContentRequest.${path}.data: required oneof field 'data' must have one initialized field\n`);
  if (set.length > 1) throw invalidArgument(`Invalid JSON payload received. Oneof field 'data' is already set. Cannot set '${set[1]}' at '${path}'.`);
  if (part.text !== undefined) checkNumber(part.text, `${path}.text`, 'TYPE_STRING');
  if (part.thought !== undefined) checkNumber(part.thought, `${path}.thought`, 'TYPE_BOOL');
  if (part.thoughtSignature !== undefined) checkNumber(part.thoughtSignature, `${path}.thought_signature`, 'TYPE_STRING');
  if (part.inlineData !== undefined) {
    const b = message(part.inlineData, ['mimeType', 'data', 'displayName'], `${path}.inline_data`);
    if (typeof b.mimeType !== 'string' || !b.mimeType) throw invalidArgument(`* GenerateContentRequest.${path}.inline_data.mime_type: mime_type is not specified\n`);
    if (typeof b.data !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(b.data)) {
      throw invalidArgument(`Invalid value at '${path}.inline_data.data' (TYPE_BYTES), Base64 decoding failed for "${String(b.data).slice(0, 20)}"`);
    }
  }
  if (part.fileData !== undefined) {
    const f = message(part.fileData, ['mimeType', 'fileUri', 'displayName'], `${path}.file_data`);
    if (typeof f.fileUri !== 'string' || !f.fileUri) throw invalidArgument(`* GenerateContentRequest.${path}.file_data.file_uri: file_uri is not specified\n`);
    if (vertex && !f.mimeType) throw invalidArgument(`* ${path}.file_data.mime_type: mime_type is required for file_data on Vertex AI\n`);
  }
  if (part.functionCall !== undefined) {
    const fc = message(part.functionCall, ['id', 'name', 'args'], `${path}.function_call`);
    if (typeof fc.name !== 'string' || !fc.name) throw invalidArgument(`* GenerateContentRequest.${path}.function_call.name: name is not specified\n`);
    if (fc.args !== undefined && !isObject(fc.args)) throw invalidArgument(`Invalid value at '${path}.function_call.args' (type.googleapis.com/google.protobuf.Struct), ${JSON.stringify(fc.args)}`);
    if (role !== 'model') throw invalidArgument('Please ensure that function call turns come from the model (role "model").');
  }
  if (part.functionResponse !== undefined) {
    const fr = message(part.functionResponse, ['id', 'name', 'response', 'willContinue', 'scheduling', 'parts'], `${path}.function_response`);
    if (typeof fr.name !== 'string' || !fr.name) throw invalidArgument(`* GenerateContentRequest.${path}.function_response.name: name is not specified\n`);
    if (!isObject(fr.response)) throw invalidArgument(`Invalid value at '${path}.function_response.response' (type.googleapis.com/google.protobuf.Struct), ${JSON.stringify(fr.response)}`);
  }
  return part;
}

export interface GeminiValidatedRequest {
  contents: Array<{ role: 'user' | 'model'; parts: Array<Record<string, any>> }>;
  systemText: string;
  generationConfig: Record<string, any>;
  declarations: Array<Record<string, any>>;
  toolMode: string;
  allowedFunctionNames: string[] | undefined;
}

export interface GeminiValidateOptions {
  vertex: boolean;
  /** The model of the URL: Gemini 3 requires thought signatures back on the current turn's function calls. */
  model: string;
}

/** Validates a GenerateContentRequest; throws an HttpError with Google's 400 answer. */
export function validateGenerateContent(raw: unknown, o: GeminiValidateOptions): GeminiValidatedRequest {
  const body = message(raw, o.vertex ? [...REQUEST_FIELDS, ...VERTEX_EXTRA_FIELDS] : REQUEST_FIELDS, '');
  if (!Array.isArray(body.contents) || body.contents.length === 0) throw invalidArgument('* GenerateContentRequest.contents: contents is not specified\n');

  const contents: GeminiValidatedRequest['contents'] = body.contents.map((c: unknown, i: number) => {
    const path = `contents[${i}]`;
    const content = message(c, CONTENT_FIELDS, path);
    // AI Studio defaults a missing role to "user"; Vertex AI insists on one.
    const role = content.role ?? (o.vertex ? undefined : 'user');
    if (role !== 'user' && role !== 'model') throw invalidArgument('Please use a valid role: user, model.');
    if (!Array.isArray(content.parts) || content.parts.length === 0) {
      throw invalidArgument(`* GenerateContentRequest.${path}.parts: contents.parts must not be empty.\n`);
    }
    return { role, parts: content.parts.map((p: unknown, j: number) => validatePart(p, `${path}.parts[${j}]`, role, o.vertex)) };
  });

  // Function turns: a call turn follows a user turn (or a response turn); a response turn answers
  // the call turn right before it, one response per call, by name.
  contents.forEach((c, i) => {
    const calls = c.parts.filter((p) => p.functionCall);
    const responses = c.parts.filter((p) => p.functionResponse);
    if (calls.length) {
      const prev = contents[i - 1];
      if (!prev || prev.role !== 'user') {
        throw invalidArgument('Please ensure that function call turn comes immediately after a user turn or after a function response turn.');
      }
    }
    if (responses.length) {
      const prevCalls = (contents[i - 1]?.role === 'model' ? contents[i - 1].parts : []).filter((p) => p.functionCall);
      if (prevCalls.length === 0) throw invalidArgument('Please ensure that function response turn comes immediately after a function call turn.');
      if (prevCalls.length !== responses.length) {
        throw invalidArgument('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.');
      }
      const names = prevCalls.map((p) => p.functionCall.name).sort();
      const answered = responses.map((p) => p.functionResponse.name).sort();
      if (names.join('\n') !== answered.join('\n')) {
        throw invalidArgument(`Please ensure that the function response names (${answered.join(', ')}) match the function call names of the function call turn (${names.join(', ')}).`);
      }
    }
  });
  if (/gemini-3/.test(o.model)) {
    // Gemini 3: the calls of the current turn (after the last user text) must carry their signature.
    let lastUserText = -1;
    contents.forEach((c, i) => { if (c.role === 'user' && c.parts.some((p) => p.text !== undefined)) lastUserText = i; });
    contents.forEach((c, i) => {
      if (i <= lastUserText || c.role !== 'model') return;
      const first = c.parts.findIndex((p) => p.functionCall);
      if (first !== -1 && !c.parts[first].thoughtSignature) {
        throw invalidArgument(`Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${c.parts[first].functionCall.name}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`);
      }
    });
  }

  let systemText = '';
  if (body.systemInstruction !== undefined) {
    const si = message(body.systemInstruction, CONTENT_FIELDS, 'system_instruction');
    if (!Array.isArray(si.parts) || si.parts.length === 0) throw invalidArgument('* GenerateContentRequest.system_instruction.parts: contents.parts must not be empty.\n');
    si.parts.forEach((p: unknown, j: number) => {
      const part = validatePart(p, `system_instruction.parts[${j}]`, 'user', o.vertex);
      if (part.text === undefined) throw invalidArgument(`* GenerateContentRequest.system_instruction.parts[${j}]: only text is supported in system_instruction.\n`);
      systemText += part.text;
    });
  }

  const generationConfig = body.generationConfig === undefined ? {} : validateGenerationConfig(body.generationConfig);

  const declarations: Array<Record<string, any>> = [];
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) throw invalidArgument(`Invalid value at 'tools', ${JSON.stringify(body.tools)}`);
    body.tools.forEach((t: unknown, i: number) => {
      const tool = message(t, TOOL_FIELDS, `tools[${i}]`);
      if (tool.functionDeclarations === undefined) return;
      if (!Array.isArray(tool.functionDeclarations)) throw invalidArgument(`Invalid value at 'tools[${i}].function_declarations'`);
      tool.functionDeclarations.forEach((d: unknown, j: number) => {
        const path = `tools[${i}].function_declarations[${j}]`;
        const decl = message(d, DECLARATION_FIELDS, path);
        if (typeof decl.name !== 'string' || !FUNCTION_NAME.test(decl.name)) {
          throw invalidArgument(`* GenerateContentRequest.${path}.name: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.\n`);
        }
        if (decl.parameters !== undefined) {
          const params = validateGeminiSchema(decl.parameters, `${path}.parameters`);
          if (String(params.type ?? '').toUpperCase() === 'OBJECT' && (!params.properties || Object.keys(params.properties).length === 0)) {
            throw invalidArgument(`* GenerateContentRequest.${path}.parameters.properties: should be non-empty for OBJECT type\n`);
          }
        }
        declarations.push(decl);
      });
    });
  }

  let toolMode = 'AUTO';
  let allowedFunctionNames: string[] | undefined;
  if (body.toolConfig !== undefined) {
    const tc = message(body.toolConfig, ['functionCallingConfig', 'retrievalConfig'], 'tool_config');
    if (tc.functionCallingConfig !== undefined) {
      const fc = message(tc.functionCallingConfig, ['mode', 'allowedFunctionNames'], 'tool_config.function_calling_config');
      if (fc.mode !== undefined) {
        if (!['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED'].includes(fc.mode)) {
          throw invalidArgument(`Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), ${JSON.stringify(fc.mode)}`);
        }
        toolMode = fc.mode === 'MODE_UNSPECIFIED' ? 'AUTO' : fc.mode;
      }
      if (fc.allowedFunctionNames !== undefined) {
        if (toolMode !== 'ANY' && toolMode !== 'VALIDATED') {
          throw invalidArgument('* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: allowed_function_names can only be set when mode is ANY.\n');
        }
        allowedFunctionNames = fc.allowedFunctionNames;
        for (const n of fc.allowedFunctionNames as string[]) {
          if (!declarations.some((d) => d.name === n)) {
            throw invalidArgument(`* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: ${n} is not a declared function.\n`);
          }
        }
      }
    }
  }

  if (body.safetySettings !== undefined) {
    if (!Array.isArray(body.safetySettings)) throw invalidArgument("Invalid value at 'safety_settings'");
    body.safetySettings.forEach((s: unknown, i: number) => message(s, ['category', 'threshold', 'method'], `safety_settings[${i}]`));
  }
  return { contents, systemText, generationConfig, declarations, toolMode, allowedFunctionNames };
}

function validateGenerationConfig(raw: unknown): Record<string, any> {
  const g = message(raw, GENERATION_FIELDS, 'generation_config');
  const p = (f: string) => `generation_config.${snake(f)}`;
  for (const f of ['temperature', 'topP', 'presencePenalty', 'frequencyPenalty'] as const) if (g[f] !== undefined) checkNumber(g[f], p(f), 'TYPE_FLOAT');
  for (const f of ['candidateCount', 'maxOutputTokens', 'topK', 'seed', 'logprobs'] as const) if (g[f] !== undefined) checkNumber(g[f], p(f), 'TYPE_INT32');
  if (g.responseLogprobs !== undefined) checkNumber(g.responseLogprobs, p('responseLogprobs'), 'TYPE_BOOL');
  if (g.temperature !== undefined && (g.temperature < 0 || g.temperature > 2)) throw invalidArgument('* GenerateContentRequest.generation_config.temperature: temperature must be in the range [0.0, 2.0].\n');
  if (g.topP !== undefined && (g.topP < 0 || g.topP > 1)) throw invalidArgument('* GenerateContentRequest.generation_config.top_p: top_p must be in the range [0.0, 1.0].\n');
  if (g.candidateCount !== undefined && (g.candidateCount < 1 || g.candidateCount > 8)) throw invalidArgument('* GenerateContentRequest.generation_config.candidate_count: must be in the range [1, 8].\n');
  if (g.stopSequences !== undefined) {
    if (!Array.isArray(g.stopSequences)) throw invalidArgument(`Invalid value at 'generation_config.stop_sequences' (TYPE_STRING), ${JSON.stringify(g.stopSequences)}`);
    g.stopSequences.forEach((s: unknown, i: number) => checkNumber(s, `generation_config.stop_sequences[${i}]`, 'TYPE_STRING'));
    if (g.stopSequences.length > 5) throw invalidArgument('* GenerateContentRequest.generation_config.stop_sequences: at most 5 stop sequences are allowed.\n');
  }
  if (g.logprobs !== undefined && g.responseLogprobs !== true) {
    throw invalidArgument('* GenerateContentRequest.generation_config.logprobs: logprobs can only be set when response_logprobs is true.\n');
  }
  if (g.responseMimeType !== undefined && !MIME_TYPES.includes(g.responseMimeType)) {
    throw invalidArgument(`* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes are ${MIME_TYPES.map((m) => `\`${m}\``).join(', ')}.\n`);
  }
  if (g.responseSchema !== undefined) {
    validateGeminiSchema(g.responseSchema, 'generation_config.response_schema');
    if (g.responseMimeType !== 'application/json' && g.responseMimeType !== 'text/x.enum') {
      throw invalidArgument('* GenerateContentRequest.generation_config.response_mime_type: response_mime_type must be `application/json` or `text/x.enum` when response_schema is set.\n');
    }
  }
  if (g.thinkingConfig !== undefined) {
    const t = message(g.thinkingConfig, ['thinkingBudget', 'includeThoughts', 'thinkingLevel'], 'generation_config.thinking_config');
    if (t.thinkingBudget !== undefined) checkNumber(t.thinkingBudget, 'generation_config.thinking_config.thinking_budget', 'TYPE_INT32');
    if (t.includeThoughts !== undefined) checkNumber(t.includeThoughts, 'generation_config.thinking_config.include_thoughts', 'TYPE_BOOL');
    g.thinkingConfig = t;
  }
  return g;
}

/** embedContent / one request of batchEmbedContents. */
export function validateEmbedContent(raw: unknown, path: string): { text: string; outputDimensionality?: number; model?: string } {
  const r = message(raw, ['model', 'content', 'taskType', 'title', 'outputDimensionality'], path);
  if (r.content === undefined) throw invalidArgument(`* EmbedContentRequest.${path ? `${path}.` : ''}content: content is not specified\n`);
  const c = message(r.content, CONTENT_FIELDS, at(path, 'content'));
  if (!Array.isArray(c.parts) || c.parts.length === 0) throw invalidArgument(`* EmbedContentRequest.${at(path, 'content')}.parts: contents.parts must not be empty.\n`);
  let text = '';
  c.parts.forEach((p: unknown, j: number) => {
    const part = validatePart(p, `${at(path, 'content')}.parts[${j}]`, 'user', false);
    text += part.text ?? '';
  });
  if (r.taskType !== undefined && !['TASK_TYPE_UNSPECIFIED', 'RETRIEVAL_QUERY', 'RETRIEVAL_DOCUMENT', 'SEMANTIC_SIMILARITY', 'CLASSIFICATION', 'CLUSTERING', 'QUESTION_ANSWERING', 'FACT_VERIFICATION', 'CODE_RETRIEVAL_QUERY'].includes(r.taskType)) {
    throw invalidArgument(`Invalid value at '${at(path, 'taskType')}' (type.googleapis.com/google.ai.generativelanguage.v1beta.TaskType), ${JSON.stringify(r.taskType)}`);
  }
  if (r.outputDimensionality !== undefined) checkNumber(r.outputDimensionality, at(path, 'outputDimensionality'), 'TYPE_INT32');
  return { text, outputDimensionality: r.outputDimensionality, model: r.model };
}

/** Vertex AI `:predict` for text-embedding models. */
export function validatePredict(raw: unknown): { texts: string[]; outputDimensionality?: number } {
  const body = message(raw, ['instances', 'parameters'], '');
  if (!Array.isArray(body.instances) || body.instances.length === 0) throw invalidArgument('instances must be a non-empty list.');
  const texts = body.instances.map((inst: unknown, i: number) => {
    if (!isObject(inst)) throw invalidArgument(`instances[${i}] must be an object.`);
    for (const k of Object.keys(inst)) if (!['content', 'task_type', 'title'].includes(k)) throw invalidArgument(`instances[${i}]: unknown field "${k}".`);
    if (typeof inst.content !== 'string') throw invalidArgument(`instances[${i}].content must be a string.`);
    return inst.content;
  });
  let outputDimensionality: number | undefined;
  if (body.parameters !== undefined) {
    if (!isObject(body.parameters)) throw invalidArgument('parameters must be an object.');
    for (const k of Object.keys(body.parameters)) if (!['outputDimensionality', 'autoTruncate'].includes(k)) throw invalidArgument(`parameters: unknown field "${k}".`);
    outputDimensionality = body.parameters.outputDimensionality;
  }
  return { texts, outputDimensionality };
}
