import type { Page } from 'playwright-core';

/** A phone's screen, as the journeys check pages at. */
export const PHONE = { width: 390, height: 844 };

/**
 * What on the page reaches past the screen's right edge, by tag and class:
 * none when the page fits. Inside a box that scrolls sideways (a tab bar, a
 * table's frame), only the box itself counts.
 */
export function sticksOut(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const scrolls = (element: Element) =>
      ['auto', 'scroll', 'hidden'].includes(getComputedStyle(element).overflowX);
    const insideScroller = (element: Element) => {
      for (let up = element.parentElement; up; up = up.parentElement) if (scrolls(up)) return true;
      return false;
    };
    return Array.from(document.body.querySelectorAll('*'))
      .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5)
      .filter((element) => !insideScroller(element))
      .filter((element) => getComputedStyle(element).position !== 'absolute' || element.clientWidth > 1)
      .map(
        (element) =>
          `${element.tagName.toLowerCase()}.${String(element.className).trim().replace(/\s+/g, '.')}`,
      );
  });
}
