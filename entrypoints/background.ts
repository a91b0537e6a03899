export default defineBackground(() => {
  console.log('jianzheng background');
});
