import { webhooksPath } from "../webhooks-api.js";

/** A quiet link to the Webhooks page under the run list; nothing when the server has no webhooks API. */
export function WebhooksLink({ onOpen }: { onOpen: () => void }) {
  if (!webhooksPath()) return null;
  return (
    <p className="webhooks-link">
      <a
        href="/webhooks"
        onClick={(event) => {
          event.preventDefault();
          onOpen();
        }}
      >
        Webhooks: endpoints and failed deliveries
      </a>
    </p>
  );
}
