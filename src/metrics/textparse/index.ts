export { Entry, ExpositionParseError, ExpositionParser, hashSeriesKey, isFloatSyntax, parseGoFloat, parseSeriesLabels } from './parser.js';
export { CommentMemo } from './comment-memo.js';
export { ProtobufParseError, ProtobufParser, formatOpenMetricsFloat, type ProtobufParserOptions } from './protobuf-parser.js';
export { SCRAPE_PROTOCOL_HEADERS, UnsupportedContentTypeError, acceptHeader, isOpenMetricsContentType, scrapeFormat, type ScrapeFormat } from './content-type.js';
