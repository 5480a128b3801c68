/** The benchmark's template: ~4 KB of personalised HTML with a text part, as a newsletter or receipt would be. */
export function benchTemplate(): { id: string; name: string; subject: string; html: string; text: string } {
  const rows = Array.from({ length: 24 }, (_, i) =>
    `<tr><td style="padding:4px 8px;border-bottom:1px solid #eee">Item ${i + 1}: {{ product }} — size {{ size }}</td><td style="text-align:right">{{ price }}</td></tr>`).join('\n');
  return {
    id: 'bench-receipt',
    name: 'Benchmark receipt',
    subject: 'Your order {{ order_id }}, {{ first_name }}',
    html: `<!doctype html><html><body style="font-family:Arial,sans-serif;color:#222">
<h1>Thanks for your order, {{ first_name | default: "friend" }}!</h1>
<p>Order <b>{{ order_id }}</b> is confirmed and will ship to {{ city }} within two days.</p>
<table style="width:100%;border-collapse:collapse">
${rows}
</table>
<p>Questions? Reply to this email or visit <a href="https://shop.example/orders/{{ order_id }}">your order page</a>.</p>
<p style="color:#888;font-size:12px">You receive this because you bought from Example Shop. Example Shop, 1 Main Street, Springfield.</p>
</body></html>`,
    text: 'Thanks for your order, {{ first_name }}!\nOrder {{ order_id }} ships to {{ city }} within two days.\nhttps://shop.example/orders/{{ order_id }}\n',
  };
}

const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'example.org', 'example.net', 'corp.example'];
const NAMES = ['Ann', 'Bob', 'Chloé', 'Dmitri', 'Eun-ji', 'Farah', 'Gus', 'Hana'];

/** The i-th benchmark message: a distinct recipient and its own variables. */
export function benchMessage(i: number, templateId: string): Record<string, unknown> {
  return {
    // Scrambled, so recipients arrive in random order as an application's do (see bench/accept.mjs).
    to: `user${(Math.imul(i + 1, 2654435761) >>> 0).toString(36)}.${i}@${DOMAINS[i % DOMAINS.length]}`,
    template_id: templateId,
    variables: { first_name: NAMES[i % NAMES.length], order_id: `A-${100000 + i}`, city: 'Springfield', product: 'Walking boots', size: 40 + (i % 8), price: `€${(i % 90) + 10}.00` },
  };
}
