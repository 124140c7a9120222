/**
 * The queue surface of `@alicloud/mns` 1.2.0 (lib/client.js), as fc-dts uses it.
 *
 * What the client does that its shape does not say:
 * - Every value in a response body is a string (xml2js text), numbers and times included.
 * - An MNS error document becomes a thrown Error whose `name` is `MNS<Code>Error`
 *   (`MNSQueueNotExistError`; ReceiptHandleError gives `MNSReceiptHandleErrorError`), its message
 *   naming the status ("failed with 404"), request id, host id and the service's text.
 *   Responses that are not XML are not errors to it: it returns `{ code, body: undefined }`.
 * - It never looks at the status code: batchDeleteMessage's partial failure (404 with <Errors>)
 *   comes back as a normal response whose body lists the failed handles.
 * - Request bodies are not XML-escaped: a MessageBody with `<` or `&` is malformed XML to the
 *   service. Send base64 (or other XML-safe text).
 * - Receipt handles go into the URL unescaped.
 * - receiveMessage/batchReceiveMessage send `waitseconds` only when it is truthy: 0 means "the
 *   queue's PollingWaitSeconds". Their socket idles out after `connectTimeout` (30 s by default),
 *   so a 30 s long poll races it: pass connectTimeout above 30 000 or wait less.
 * - listQueue sends x-mns-prefix only when `limit` is given; a limit without a prefix fails in
 *   Node's http before sending (TypeError: Invalid value "undefined" for header "x-mns-prefix").
 *   It also drops the response's NextMarker.
 */
declare module '@alicloud/mns' {
  namespace MNSClient {
    interface ClientOptions {
      /** `http://127.0.0.1:port` for the stand-in; otherwise `region` builds the endpoint. */
      endpoint?: string;
      region?: string;
      secure?: boolean;
      internal?: boolean;
      vpc?: boolean;
      accessKeyId: string;
      accessKeySecret: string;
      /** STS: sent as the `security-token` header. */
      securityToken?: string;
      refreshSTSToken?: () => Promise<{ accessKeyId: string; accessKeySecret: string; securityToken: string }>;
      refreshSTSTokenInterval?: number;
      /** Milliseconds; defaults 40 000 and 30 000. */
      readTimeout?: number;
      connectTimeout?: number;
    }

    interface Response<B> {
      /** HTTP status. */
      code: number;
      headers: Record<string, string | undefined>;
      body: B;
    }

    /** Queue attributes as sent (numbers or their text). */
    interface QueueAttributesInput {
      DelaySeconds?: number | string;
      MaximumMessageSize?: number | string;
      MessageRetentionPeriod?: number | string;
      VisibilityTimeout?: number | string;
      PollingWaitSeconds?: number | string;
      LoggingEnabled?: boolean | string;
    }

    interface QueueAttributes {
      QueueName: string;
      CreateTime: string;
      LastModifyTime: string;
      DelaySeconds: string;
      MaximumMessageSize: string;
      MessageRetentionPeriod: string;
      VisibilityTimeout: string;
      PollingWaitSeconds: string;
      ActiveMessages: string;
      InactiveMessages: string;
      DelayMessages: string;
      LoggingEnabled: string;
    }

    interface QueueListEntry {
      QueueURL: string;
    }

    interface MessageInput {
      /** Not escaped by the client: keep it XML-safe. */
      MessageBody: string;
      DelaySeconds?: number | string;
      Priority?: number | string;
    }

    interface SentMessage {
      MessageId: string;
      /** Upper-case hex MD5 of the body. */
      MessageBodyMD5: string;
      /** Only for a delayed message. */
      ReceiptHandle?: string;
    }

    interface PeekedMessage {
      MessageId: string;
      MessageBody: string;
      MessageBodyMD5: string;
      /** Milliseconds since the epoch, as text. */
      EnqueueTime: string;
      FirstDequeueTime: string;
      DequeueCount: string;
      Priority: string;
    }

    interface ReceivedMessage extends PeekedMessage {
      ReceiptHandle: string;
      NextVisibleTime: string;
    }

    interface BatchDeleteError {
      ErrorCode: string;
      ErrorMessage: string;
      ReceiptHandle: string;
    }

    interface VisibilityChange {
      ReceiptHandle: string;
      NextVisibleTime: string;
    }
  }

  class MNSClient {
    constructor(accountId: string, options: MNSClient.ClientOptions);

    createQueue(name: string, attributes?: MNSClient.QueueAttributesInput): Promise<MNSClient.Response<undefined>>;
    deleteQueue(name: string): Promise<MNSClient.Response<undefined>>;
    /** Pass both `limit` and `prefix`, or neither (see above). */
    listQueue(start?: string, limit?: number, prefix?: string): Promise<MNSClient.Response<MNSClient.QueueListEntry[] | undefined>>;
    getQueueAttributes(name: string): Promise<MNSClient.Response<MNSClient.QueueAttributes>>;
    setQueueAttributes(name: string, attributes: MNSClient.QueueAttributesInput): Promise<MNSClient.Response<undefined>>;

    sendMessage(queue: string, message: MNSClient.MessageInput): Promise<MNSClient.Response<MNSClient.SentMessage>>;
    batchSendMessage(queue: string, messages: MNSClient.MessageInput[]): Promise<MNSClient.Response<MNSClient.SentMessage[]>>;
    receiveMessage(queue: string, waitSeconds?: number): Promise<MNSClient.Response<MNSClient.ReceivedMessage>>;
    batchReceiveMessage(queue: string, numOfMessages: number, waitSeconds?: number): Promise<MNSClient.Response<MNSClient.ReceivedMessage[]>>;
    peekMessage(queue: string): Promise<MNSClient.Response<MNSClient.PeekedMessage>>;
    batchPeekMessage(queue: string, numOfMessages: number): Promise<MNSClient.Response<MNSClient.PeekedMessage[]>>;
    deleteMessage(queue: string, receiptHandle: string): Promise<MNSClient.Response<undefined>>;
    /** `body` lists the handles that failed (status 404), undefined when all were deleted (204). */
    batchDeleteMessage(queue: string, receiptHandles: string[]): Promise<MNSClient.Response<MNSClient.BatchDeleteError[] | undefined>>;
    changeMessageVisibility(queue: string, receiptHandle: string, visibilityTimeout: number): Promise<MNSClient.Response<MNSClient.VisibilityChange>>;
  }

  export = MNSClient;
}
