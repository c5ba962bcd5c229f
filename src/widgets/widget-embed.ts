/**
 * The code a diffuseur pastes to embed a widget: an iframe, and a small listener that sets the
 * iframe's height from the `resize` messages the widget posts (only from the widget's origin and
 * its own frame).
 */
import type { WidgetRow } from "../db/schema.ts";
import { escapeHtml } from "./html.ts";

/** The iframe's height before the first message, by type and style (as today's snippets). */
const INITIAL_HEIGHT = { benevolat: { page: 1314, carousel: 686 }, volontariat: { page: 1050, carousel: 600 } } as const;


export function embedCode(publicUrl: string, widget: Pick<WidgetRow, "id" | "type" | "style">): { url: string; html: string } {
  const url = `${publicUrl}/w/${encodeURIComponent(widget.id)}`;
  const origin = new URL(publicUrl).origin;
  const frameId = `engagement-widget-${widget.id.replace(/[^A-Za-z0-9-]/g, "")}`;
  const height = INITIAL_HEIGHT[widget.type as "benevolat" | "volontariat"]?.[widget.style as "page" | "carousel"] ?? 1314;
  const title = widget.type === "volontariat" ? "Trouver une mission de volontariat" : "Trouver une mission de bénévolat";
  const listener =
    `window.addEventListener("message",function(e){var f=document.getElementById(${JSON.stringify(frameId)});` +
    `if(!f||e.origin!==${JSON.stringify(origin)}||e.source!==f.contentWindow||!e.data||e.data.source!=="api-engagement-widget"||e.data.type!=="resize")return;` +
    `var h=Number(e.data.height);if(h>0&&h<20000)f.style.height=Math.ceil(h)+"px";});`;
  const html =
    `<iframe id="${frameId}" src="${escapeHtml(url)}" title="${title}" loading="lazy" allow="geolocation" ` +
    `style="display:block;width:100%;height:${height}px;border:0"></iframe>\n<script>${listener}</script>`;
  return { url, html };
}
